package com.liftos.security.console.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.audit.AuditBenchSupport;
import com.liftos.security.testing.TestApp;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The console's audit search against an organization holding N events (default 1,000,000; one in 20 a failed
 * sign-in), through the running service's HTTP API exactly as the console asks it: one page of 50, with the console's
 * filters, and pages further on by cursor. Sequential requests over loopback, each timed whole (request to last byte).
 * Usage: bench/console.sh [events] (docs/perf/console.md).
 */
public final class AuditSearchBench {
    private AuditSearchBench() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        try (TestApp app = TestApp.start(Map.of())) {
            String superAdmin = app.loginAdmin();
            UUID org = app.createOrg(superAdmin, "Bench Org");
            String email = "bench-admin@example.test";
            app.createUser(superAdmin, org, email, "Bench-Passw0rd!x", "admin");
            try (HikariDataSource ds = app.schema().dataSource(2)) {
                long t0 = System.nanoTime();
                AuditBenchSupport.fill(ds, events, org, 20, Instant.now().minus(Duration.ofMillis(events * 10L)));
                System.out.printf(Locale.ROOT, "fill: %d events in %.1f s%n", events, (System.nanoTime() - t0) / 1e9);
            }
            String token = app.login(email, "Bench-Passw0rd!x");
            String base = "/v1/orgs/" + org + "/audit?limit=50";
            JsonNode some = app.json(app.get(base, token));
            String actor = some.at("/events/10/actor_id").asText();
            Map<String, String> queries = new LinkedHashMap<>();
            queries.put("first page, no filter", base);
            queries.put("type=login_failure", base + "&type=login_failure");
            queries.put("failures (success=false)", base + "&success=false");
            queries.put("min_risk=medium", base + "&min_risk=medium");
            queries.put("since=1h", base + "&since=1h");
            queries.put("since=24h, type=login_failure,rate_limit_exceeded (overview)",
                    base + "&since=24h&type=" + URLEncoder.encode("login_failure,rate_limit_exceeded", StandardCharsets.UTF_8));
            queries.put("actor=<one actor>", base + "&actor=" + actor);
            queries.put("type=account_locked (no match)", base + "&type=account_locked");
            queries.put("overview chart: limit=1000, since=24h, failures", "/v1/orgs/" + org
                    + "/audit?limit=1000&since=24h&type=login_failure");
            System.out.printf(Locale.ROOT, "%-62s %8s %8s %8s %8s%n", "query (page of 50 unless said)", "median", "p95", "max", "events");
            for (Map.Entry<String, String> q : queries.entrySet()) {
                report(app, token, q.getKey(), q.getValue(), runs);
            }
            // deep pages: follow next_cursor 200 pages (10,000 events) in, then time that page
            String cursor = null;
            for (int i = 0; i < 200; i++) {
                JsonNode page = app.json(app.get(base + (cursor == null ? "" : "&cursor=" + cursor), token));
                cursor = page.path("next_cursor").asText(null);
            }
            report(app, token, "page 201 by cursor", base + "&cursor=" + cursor, runs);
            report(app, token, "type=login_failure, page 201 by cursor", base + "&type=login_failure&cursor=" + cursor, runs);
            HttpResponse<String> summary = app.get("/v1/orgs/" + org + "/audit/summary?group_by=risk_level&since=24h", token);
            long s0 = System.nanoTime();
            app.get("/v1/orgs/" + org + "/audit/summary?group_by=risk_level&since=24h", token);
            System.out.printf(Locale.ROOT, "%-62s %8.1f (one run; %s)%n", "summary group_by=risk_level since=24h (overview)",
                    (System.nanoTime() - s0) / 1e6, summary.body().length() > 200 ? summary.body().substring(0, 200) : summary.body());
            long v0 = System.nanoTime();
            JsonNode verified = app.json(app.postJson("/v1/orgs/" + org + "/audit/verify", "", token));
            System.out.printf(Locale.ROOT, "%-62s %8.1f (one run; chain %s, %d records)%n", "verify the chain (overview card)",
                    (System.nanoTime() - v0) / 1e6, verified.path("status").asText(), verified.path("records_checked").asLong());
        }
        System.exit(0);
    }

    private static void report(TestApp app, String token, String name, String path, int runs) {
        for (int i = 0; i < 3; i++) {
            app.get(path, token);
        }
        List<Double> ms = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            HttpResponse<String> r = app.get(path, token);
            ms.add((System.nanoTime() - t) / 1e6);
            if (r.statusCode() != 200) {
                throw new IllegalStateException(name + ": " + r.statusCode() + " " + r.body());
            }
            count = app.json(r).path("events").size();
        }
        Collections.sort(ms);
        System.out.printf(Locale.ROOT, "%-62s %8.1f %8.1f %8.1f %8d%n", name, ms.get(ms.size() / 2),
                ms.get((int) Math.ceil(ms.size() * 0.95) - 1), ms.get(ms.size() - 1), count);
    }
}
