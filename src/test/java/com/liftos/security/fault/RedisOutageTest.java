package com.liftos.security.fault;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.OwnRedis;
import com.liftos.security.testing.TestApp;
import com.liftos.security.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Redis stopped under load (a server the test owns): every request is still answered, none with a 5xx; while it is
 * gone each instance enforces the limits on its own (README: N instances admit up to N times a limit); once it is
 * back the two instances share one budget again.
 */
class RedisOutageTest {
    static final int REFRESHES_PER_MINUTE = 8;
    static final String BUDGET_USER = "budget@example.test";
    static final String BUDGET_PASSWORD = "Budget-Password-1!x";
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void stoppingRedisFailsNoRequestAndBudgetsAreSharedAgainOnceItIsBack() throws Exception {
        try (OwnRedis redis = OwnRedis.launch()) {
            Map<String, String> env = Map.of("REDIS_URL", redis.url(), "SECURITY_RATE_LIMITING_ENABLED", "true",
                    "LIFTOS_REFRESHES_PER_SESSION_PER_MINUTE", Integer.toString(REFRESHES_PER_MINUTE),
                    "LIFTOS_RATE_LIMIT_IP_PER_HOUR", "1000000");
            try (TestApp a = TestApp.startOn(TestDatabase.fresh(), env);
                 TestApp b = TestApp.startSharing(a, env, Clock.systemUTC())) {
                List<String> both = List.of(a.baseUrl(), b.baseUrl());
                String admin = a.loginAdmin();
                UUID org = a.adminOrgId();
                // the budget checks sign in a user of their own: the admin's session limit would end the load's session
                a.createUser(admin, org, BUDGET_USER, BUDGET_PASSWORD);
                assertThat(refreshesGranted(both)).as("with Redis: one budget for both instances").isEqualTo(REFRESHES_PER_MINUTE);

                FaultLoad load = FaultLoad.start(both, admin, org, 3, List.of(), Duration.ofMillis(10));
                int outage;
                try (load) {
                    Thread.sleep(1_000);
                    long down = System.nanoTime();
                    redis.stop();
                    Thread.sleep(1_500);
                    assertThat(refreshesGranted(both)).as("without Redis: each instance enforces the limit on its own")
                            .isEqualTo(2 * REFRESHES_PER_MINUTE);
                    outage = load.calls(c -> c.startNanos() >= down).size();
                    redis.start();
                    waitUntilShared(both);
                    Thread.sleep(500);
                }
                List<FaultLoad.Call> calls = load.calls();
                long answered = calls.stream().filter(c -> c.status() >= 200 && c.status() < 500).count();
                System.out.printf("[faults] Redis outage: %d of %d requests answered 2xx (%.1f %%), %d of them while Redis was down%n",
                        answered, calls.size(), 100.0 * answered / calls.size(), outage);
                assertThat(calls).as("no request failed because Redis was gone")
                        .allSatisfy(c -> assertThat(c.status()).as("%s", c).isBetween(200, 299));
                assertThat(outage).as("requests were made during the outage").isPositive();
            }
        }
    }

    /** Polls until the instances share a budget again (Redis is retried at most once a second, reconnected every 2 s). */
    private void waitUntilShared(List<String> both) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        int granted = -1;
        while (System.nanoTime() < deadline) {
            granted = refreshesGranted(both);
            if (granted == REFRESHES_PER_MINUTE) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("budgets not shared again 15 s after Redis returned: " + granted + " refreshes granted");
    }

    /**
     * A new session (its own refresh budget) refreshed alternately on each instance, three times the limit: how many
     * refreshes were granted before the first 429 ends the count.
     */
    private int refreshesGranted(List<String> both) throws Exception {
        FaultLoad.Chain chain = FaultLoad.login(http, both.get(0), BUDGET_USER, BUDGET_PASSWORD, "budget-" + UUID.randomUUID());
        String token = chain.refreshToken();
        int granted = 0;
        for (int i = 0; i < 3 * REFRESHES_PER_MINUTE; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(both.get(i % 2) + "/v1/auth/refresh"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"refresh_token\":\"" + token + "\",\"device_id\":\"" + chain.deviceId() + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                granted++;
                token = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).get("refresh_token").asText();
            } else {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
            }
        }
        return granted;
    }
}
