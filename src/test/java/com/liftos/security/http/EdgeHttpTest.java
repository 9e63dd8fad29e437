package com.liftos.security.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CORS, transport and per-IP rate limits over real HTTP. */
class EdgeHttpTest {

    @Test
    void corsAllowsListedOriginsOnlyAndAnswersPreflightWithoutAuth() {
        try (TestApp app = TestApp.start(Map.of("LIFTOS_CORS_ORIGINS", "https://app.example.test"))) {
            HttpResponse<String> ok = app.send(app.request("/health").header("Origin", "https://app.example.test").GET().build());
            assertThat(ok.headers().firstValue("Access-Control-Allow-Origin")).contains("https://app.example.test");
            assertThat(ok.headers().firstValue("Access-Control-Expose-Headers").orElseThrow()).contains("X-RateLimit-Remaining", "X-Request-ID");
            assertThat(ok.headers().firstValue("Vary")).contains("Origin");

            HttpResponse<String> evil = app.send(app.request("/health").header("Origin", "https://evil.example").GET().build());
            assertThat(evil.statusCode()).isEqualTo(200);
            assertThat(evil.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("access-control-"));

            // preflight of a protected route: answered 204 before authentication
            HttpResponse<String> pre = app.send(app.request("/v1/orgs/00000000-0000-0000-0000-000000000001/security-config")
                    .header("Origin", "https://app.example.test")
                    .header("Access-Control-Request-Method", "PUT")
                    .header("Access-Control-Request-Headers", "authorization, content-type")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
            assertThat(pre.statusCode()).isEqualTo(204);
            assertThat(pre.headers().firstValue("Access-Control-Allow-Origin")).contains("https://app.example.test");
            assertThat(pre.headers().firstValue("Access-Control-Allow-Methods").orElseThrow()).contains("PUT");
            assertThat(pre.headers().firstValue("Access-Control-Allow-Headers").orElseThrow()).contains("Authorization");
            assertThat(pre.headers().firstValue("Access-Control-Allow-Credentials")).contains("true");

            for (HttpRequest bad : new HttpRequest[] {
                    app.request("/health").header("Origin", "https://evil.example").header("Access-Control-Request-Method", "GET")
                            .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(),
                    app.request("/health").header("Origin", "https://app.example.test").header("Access-Control-Request-Method", "TRACE")
                            .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(),
                    app.request("/health").header("Origin", "https://app.example.test").header("Access-Control-Request-Method", "GET")
                            .header("Access-Control-Request-Headers", "X-Evil").method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build()}) {
                HttpResponse<String> r = app.send(bad);
                assertThat(r.statusCode()).isEqualTo(403);
                assertThat(app.json(r).at("/error/code").asText()).isEqualTo("cors_rejected");
                assertThat(r.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("access-control-"));
            }
        }
    }

    @Test
    void requireHttpsRefusesPlainHttpUnlessATrustedProxySaysHttps() {
        try (TestApp app = TestApp.start(Map.of("SECURITY_REQUIRE_HTTPS", "true"))) {
            HttpResponse<String> plain = app.get("/metrics");
            assertThat(plain.statusCode()).isEqualTo(403);
            assertThat(app.json(plain).at("/error/code").asText()).isEqualTo("https_required");
            assertThat(plain.headers().firstValue("Strict-Transport-Security")).isPresent();
            // an untrusted peer claiming HTTPS is not believed
            HttpResponse<String> claimed = app.send(app.request("/metrics").header("X-Forwarded-Proto", "https").GET().build());
            assertThat(claimed.statusCode()).isEqualTo(403);
            assertThat(app.get("/health").statusCode()).isEqualTo(200);
        }
        try (TestApp app = TestApp.start(Map.of("SECURITY_REQUIRE_HTTPS", "true", "LIFTOS_TRUSTED_PROXIES", "127.0.0.1"))) {
            assertThat(app.send(app.request("/metrics").header("X-Forwarded-Proto", "https").GET().build()).statusCode()).isEqualTo(200);
            assertThat(app.send(app.request("/metrics").header("X-Forwarded-Proto", "http").GET().build()).statusCode()).isEqualTo(403);
            assertThat(app.get("/metrics").statusCode()).isEqualTo(403);
        }
    }

    @Test
    void perIpCeilingCannotBeDodgedWithForwardedHeadersFromAnUntrustedPeer() throws Exception {
        try (TestApp app = TestApp.start(Map.of("SECURITY_RATE_LIMITING_ENABLED", "true", "LIFTOS_RATE_LIMIT_IP_PER_HOUR", "5"))) {
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> r = app.send(app.request("/metrics").header("X-Forwarded-For", "198.51.100." + i)
                        .header("Forwarded", "for=198.51.100." + i).GET().build());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("X-RateLimit-Limit")).contains("5");
                assertThat(r.headers().firstValue("X-RateLimit-Remaining")).contains(Integer.toString(4 - i));
                assertThat(r.headers().firstValue("X-RateLimit-Reset")).isPresent();
            }
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> refused = app.send(app.request("/metrics").header("X-Forwarded-For", "203.0.113." + i).GET().build());
                assertThat(refused.statusCode()).isEqualTo(429);
                assertThat(app.json(refused).at("/error/code").asText()).isEqualTo("rate_limited");
                assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(700L, 721L);
                assertThat(refused.headers().firstValue("X-RateLimit-Remaining")).contains("0");
            }
            // three refusals, one event: the audit log is not flooded
            assertThat(events(app, "RATE_LIMIT_EXCEEDED")).isEqualTo(1);
        }
    }

    @Test
    void behindATrustedProxyEachClientHasItsOwnBucketAndPrependingDoesNotHelp() {
        try (TestApp app = TestApp.start(Map.of("SECURITY_RATE_LIMITING_ENABLED", "true", "LIFTOS_RATE_LIMIT_IP_PER_HOUR", "2",
                "LIFTOS_TRUSTED_PROXIES", "127.0.0.1"))) {
            for (String spoofed : new String[] {"1.1.1.1", "2.2.2.2", "3.3.3.3"}) {
                int status = app.send(app.request("/metrics").header("X-Forwarded-For", spoofed + ", 198.51.100.1").GET().build()).statusCode();
                assertThat(status).isEqualTo(spoofed.equals("3.3.3.3") ? 429 : 200);
            }
            assertThat(app.send(app.request("/metrics").header("X-Forwarded-For", "198.51.100.2").GET().build()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anUnreachableRedisDegradesHealthButTheServiceKeepsLimiting() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (TestApp app = TestApp.start(Map.of("REDIS_URL", "redis://127.0.0.1:" + closed, "SECURITY_RATE_LIMITING_ENABLED", "true",
                "LIFTOS_RATE_LIMIT_IP_PER_HOUR", "3"))) {
            HttpResponse<String> health = app.get("/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(app.json(health).at("/components/rate_limit").asText()).startsWith("degraded");
            // the fallback still counts: /health was 1 of 3
            assertThat(app.get("/metrics").statusCode()).isEqualTo(200);
            assertThat(app.get("/metrics").statusCode()).isEqualTo(200);
            assertThat(app.get("/metrics").statusCode()).isEqualTo(429);
        }
    }

    static long events(TestApp app, String type) throws Exception {
        Thread.sleep(100);
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM audit_events WHERE event_type = ?")) {
                ps.setString(1, type);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }
}
