package com.liftos.security.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Per-user limits with the org's configured budget, through the whole gate. Requests come "through" a trusted
 * proxy with a random client address so runs against a shared Redis never meet old buckets.
 */
class RateLimitHttpTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void theOrgsApiBudgetIsEnforcedPerUserInProcess() throws Exception {
        try (TestApp app = TestApp.start(env(Map.of()))) {
            String ip = randomIp();
            String user = userWithApiLimit(app, app, ip, 4);
            int admitted = 0;
            HttpResponse<String> last = null;
            for (int i = 0; i < 8; i++) {
                last = me(app, user, ip);
                if (last.statusCode() == 200) {
                    admitted++;
                    assertThat(last.headers().firstValue("X-RateLimit-Limit")).contains("4");
                }
            }
            assertThat(admitted).isEqualTo(4);
            assertThat(last.statusCode()).isEqualTo(429);
            assertThat(last.headers().firstValue("Retry-After")).contains("900");
            assertThat(events(app)).isEqualTo(1);
        }
    }

    @Test
    void twoInstancesOnOneRedisTogetherAdmitExactlyTheLimit() throws Exception {
        String redis = System.getenv("TEST_REDIS_URL");
        assumeTrue(redis != null && !redis.isBlank(), "RateLimitHttpTest.twoInstances skipped: TEST_REDIS_URL is not set");
        Map<String, String> env = env(Map.of("REDIS_URL", redis));
        try (TestApp first = TestApp.start(env);
             TestApp second = TestApp.startSharing(first, env, Clock.systemUTC())) {
            String ip = randomIp();
            String user = userWithApiLimit(first, second, ip, 6);
            int admitted = 0;
            for (int i = 0; i < 14; i++) {
                if (me(i % 2 == 0 ? first : second, user, ip).statusCode() == 200) {
                    admitted++;
                }
            }
            assertThat(admitted).isEqualTo(6);
            assertThat(first.get("/health").body()).contains("\"rate_limit\":\"up (redis)\"");
            // one event per bucket per window per instance
            assertThat(events(first)).isBetween(1L, 2L);
        }
    }

    private static Map<String, String> env(Map<String, String> extra) {
        Map<String, String> env = new java.util.HashMap<>(extra);
        env.put("SECURITY_RATE_LIMITING_ENABLED", "true");
        env.put("LIFTOS_TRUSTED_PROXIES", "127.0.0.1");
        return env;
    }

    /** A fresh org with {@code limit} api requests per hour and a viewer in it; returns the viewer's token. */
    private static String userWithApiLimit(TestApp app, TestApp configVia, String ip, int limit) {
        String admin = login(app, TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD, ip);
        UUID org = app.createOrg(admin, "Limited " + UUID.randomUUID());
        String email = "limited-" + UUID.randomUUID() + "@example.test";
        app.createUser(admin, org, email, "Limited-Password-1!");
        HttpResponse<String> put = configVia.send(configVia.request("/v1/orgs/" + org + "/security-config")
                .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json").header("X-Forwarded-For", ip)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"api_rate_limits\":{\"api\":{\"limit\":" + limit + ",\"window\":3600}}}")).build());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        return login(app, email, "Limited-Password-1!", ip);
    }

    private static String login(TestApp app, String email, String password, String ip) {
        HttpResponse<String> r = app.send(app.request("/v1/auth/login").header("Content-Type", "application/json").header("X-Forwarded-For", ip)
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("email", email, "password", password)))).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = app.json(r);
        return body.get("access_token").asText();
    }

    private static HttpResponse<String> me(TestApp app, String token, String ip) {
        return app.send(app.request("/v1/me").header("Authorization", "Bearer " + token).header("X-Forwarded-For", ip).GET().build());
    }

    private static String randomIp() {
        return "198.18." + RANDOM.nextInt(256) + "." + (1 + RANDOM.nextInt(254));
    }

    private static long events(TestApp app) throws InterruptedException {
        Thread.sleep(100);
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM audit_events WHERE event_type = 'RATE_LIMIT_EXCEEDED'");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
