package com.liftos.security.ratelimit;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps refusals from flooding the audit log: at most one RATE_LIMIT_EXCEEDED event per bucket key per window
 * of that bucket, per instance. The event that goes out carries how many refusals were suppressed before it.
 */
final class EventThrottle {
    private static final int SWEEP_WHEN_LARGER = 10_000;

    private final ConcurrentHashMap<String, State> keys = new ConcurrentHashMap<>();

    /** The number of refusals suppressed since the last event when an event is due now; empty otherwise. */
    OptionalLong admit(String key, Duration window, long nowNanos) {
        if (keys.size() > SWEEP_WHEN_LARGER) {
            keys.values().removeIf(s -> nowNanos - s.nextNanos.get() > 0);
        }
        State s = keys.computeIfAbsent(key, k -> new State(nowNanos));
        long next = s.nextNanos.get();
        if (nowNanos - next >= 0 && s.nextNanos.compareAndSet(next, nowNanos + window.toNanos())) {
            return OptionalLong.of(s.suppressed.getAndSet(0));
        }
        s.suppressed.incrementAndGet();
        return OptionalLong.empty();
    }

    private static final class State {
        final AtomicLong nextNanos;
        final AtomicLong suppressed = new AtomicLong();

        State(long now) {
            this.nextNanos = new AtomicLong(now);
        }
    }
}
