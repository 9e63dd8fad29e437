package com.liftos.security.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.TestApp;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The console's page and assets are public {@code api} routes, which count only toward the per-address ceiling
 * ({@code LIFTOS_RATE_LIMIT_IP_PER_HOUR}), never toward the {@code api} budget of the address or of the signed-in user:
 * a page load's dozen files leave the caller's API budget as it was.
 */
class ConsoleRateLimitTest {
    @Test
    void consoleFilesDrawOnlyOnTheAddressCeilingNotOnTheApiBudget() throws Exception {
        try (TestApp app = TestApp.start(Map.of("SECURITY_RATE_LIMITING_ENABLED", "true", "LIFTOS_RATE_LIMIT_IP_PER_HOUR", "5000"))) {
            String token = app.loginAdmin();
            HttpResponse<String> before = app.get("/v1/me", token);
            assertThat(before.headers().firstValue("X-RateLimit-Limit")).as("the api budget is the tightest for /v1/me").contains("1000");
            long remaining = Long.parseLong(before.headers().firstValue("X-RateLimit-Remaining").orElseThrow());
            List<String> paths = new ArrayList<>();
            paths.add("/console");
            for (String name : ConsoleRoutesTest.assetNames()) {
                paths.add("/console/assets/" + name);
            }
            for (int round = 0; round < 3; round++) {
                for (String path : paths) {
                    HttpResponse<String> r = app.get(path);
                    assertThat(r.statusCode()).as(path).isEqualTo(200);
                    assertThat(r.headers().firstValue("X-RateLimit-Limit")).as(path + ": only the address ceiling").contains("5000");
                }
            }
            HttpResponse<String> after = app.get("/v1/me", token);
            assertThat(after.headers().firstValue("X-RateLimit-Remaining")).as("one /v1/me call later, the assets drew nothing")
                    .contains(Long.toString(remaining - 1));
        }
    }
}
