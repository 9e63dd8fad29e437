package com.liftos.security.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cookie mode: the refresh token travels only in an HttpOnly, Secure, SameSite=Strict cookie. */
class RefreshCookieTest {

    @Test
    void refreshTokenLivesInAHardenedCookie() {
        try (TestApp app = TestApp.start(Map.of("LIFTOS_REFRESH_COOKIE", "true", "LIFTOS_REFRESH_REUSE_INTERVAL_SECONDS", "0"))) {
            HttpResponse<String> login = app.postJson("/v1/auth/login",
                    app.body(Map.of("email", TestApp.ADMIN_EMAIL, "password", TestApp.ADMIN_PASSWORD)));
            assertThat(login.statusCode()).isEqualTo(200);
            assertThat(app.json(login).has("refresh_token")).isFalse();
            String cookie = login.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("liftos_refresh="))
                    .findFirst().orElseThrow();
            // beside it, the device cookie: the proof of this sign-in at the device's next login
            assertThat(login.headers().allValues("Set-Cookie")).anySatisfy(c -> assertThat(c).startsWith("liftos_device=")
                    .contains("HttpOnly", "Secure", "SameSite=Strict", "Path=/v1/auth"));
            assertThat(cookie).startsWith("liftos_refresh=").contains("HttpOnly", "Secure", "SameSite=Strict", "Path=/v1/auth");
            String value = cookie.substring(0, cookie.indexOf(';'));
            HttpResponse<String> refreshed = app.send(app.request("/v1/auth/refresh").header("Cookie", value)
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            assertThat(refreshed.statusCode()).isEqualTo(200);
            assertThat(app.json(refreshed).has("access_token")).isTrue();
            String next = refreshed.headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(next.substring(0, next.indexOf(';'))).isNotEqualTo(value);
            // the old cookie is now a retired token (reuse interval off: no replay)
            assertThat(app.send(app.request("/v1/auth/refresh").header("Cookie", value)
                    .POST(HttpRequest.BodyPublishers.noBody()).build()).statusCode()).isEqualTo(401);
        }
    }
}
