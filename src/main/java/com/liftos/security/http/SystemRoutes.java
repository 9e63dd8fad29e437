package com.liftos.security.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /health} and {@code GET /metrics}. Health is cheap: each check caches its own probe. */
public final class SystemRoutes {
    private final List<HealthCheck> checks;
    private final PrometheusMeterRegistry registry;
    private final String version;

    public SystemRoutes(List<HealthCheck> checks, PrometheusMeterRegistry registry, String version) {
        this.checks = List.copyOf(checks);
        this.registry = registry;
        this.version = version;
    }

    public List<Route> routes() {
        return List.of(
                Route.get("/health", Access.open(Access.RateCategory.API), ctx -> {
                    boolean ok = true;
                    Map<String, Object> components = new LinkedHashMap<>();
                    for (HealthCheck c : checks) {
                        HealthCheck.Status s = c.status();
                        components.put(c.name(), s.detail());
                        ok &= s.up() || !c.critical();
                    }
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("status", ok ? "ok" : "unavailable");
                    body.put("version", version);
                    body.put("components", components);
                    ctx.status(ok ? 200 : 503).json(body);
                }).doc(RouteDoc.of("Health of the service and its components")
                        .details("503 when a critical component (the database) is down; a degraded optional one (Redis) still answers 200.")
                        .ok("Health").reply(503, "A critical component is down", RouteDoc.JSON, "Health")),
                Route.get("/metrics", Access.open(Access.RateCategory.API), ctx ->
                        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape()))
                        .doc(RouteDoc.of("Metrics in the Prometheus text format").reply(200, "The metrics", "text/plain")));
    }
}
