package com.liftos.security.http;

/** One component of {@code /health}. A critical component that is down turns the answer into 503. */
public interface HealthCheck {
    String name();

    boolean critical();

    /** Current state, e.g. {@code up}, {@code down}, {@code degraded (local fallback)}. */
    Status status();

    record Status(boolean up, String detail) {}
}
