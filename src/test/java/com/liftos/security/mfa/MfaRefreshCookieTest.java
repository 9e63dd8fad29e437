package com.liftos.security.mfa;

import static com.liftos.security.mfa.MfaTestSupport.PASSWORD;
import static com.liftos.security.mfa.MfaTestSupport.enableTotp;
import static com.liftos.security.mfa.MfaTestSupport.mfaToken;
import static com.liftos.security.mfa.MfaTestSupport.newUser;
import static com.liftos.security.mfa.MfaTestSupport.verify;
import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Cookie mode applies to the MFA step too: a login finished with a second factor hands out its refresh token only
 * in the hardened cookie, as the password login does (it used to return it in the body, readable by scripts).
 */
class MfaRefreshCookieTest {

    @Test
    void theMfaStepPutsTheRefreshTokenInTheCookieOnly() {
        MutableClock clock = MutableClock.atTotpStepStart();
        try (TestApp app = TestApp.start(Map.of("LIFTOS_REFRESH_COOKIE", "true"), clock)) {
            String email = newUser(app, "cookie");
            String secret = enableTotp(app, app.login(email, PASSWORD), clock).get(0);
            clock.advance(Duration.ofSeconds(30));
            HttpResponse<String> ok = verify(app, mfaToken(app, email), "totp", Rfc6238Reference.code(secret, clock.instant()));
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(app.json(ok).has("access_token")).isTrue();
            assertThat(app.json(ok).has("refresh_token")).isFalse();
            assertThat(app.json(ok).get("amr")).extracting(n -> n.asText()).containsExactly("pwd", "otp");
            String cookie = ok.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("liftos_refresh="))
                    .findFirst().orElseThrow();
            // the MFA step completes a sign-in: the device gets its token too
            assertThat(ok.headers().allValues("Set-Cookie")).anySatisfy(c -> assertThat(c).startsWith("liftos_device="));
            assertThat(cookie).startsWith("liftos_refresh=").contains("HttpOnly", "Secure", "SameSite=Strict", "Path=/v1/auth");
            // the cookie is the session's refresh token: it rotates
            String value = cookie.substring(0, cookie.indexOf(';'));
            HttpResponse<String> refreshed = app.send(app.request("/v1/auth/refresh").header("Cookie", value)
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
            assertThat(app.json(refreshed).has("refresh_token")).isFalse();
        }
    }
}
