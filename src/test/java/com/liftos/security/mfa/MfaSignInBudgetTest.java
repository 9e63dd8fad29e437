package com.liftos.security.mfa;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Wrong codes at the login's MFA step spend the same sign-in budgets as wrong passwords: an address that has made
 * its failures is refused (429) for every account's second step, another address is not, and MFA's own per-user
 * throttle (ten wrong codes) is not what refuses here.
 */
class MfaSignInBudgetTest {
    @Test
    void wrongCodesSpendTheAddressBudgetOfTheSecondStep() {
        MutableClock clock = MutableClock.atTotpStepStart();
        try (TestApp app = TestApp.start(Map.of("SECURITY_RATE_LIMITING_ENABLED", "true", "LIFTOS_TRUSTED_PROXIES", "127.0.0.1",
                "LIFTOS_LOGIN_FAILURES_PER_IP_PER_DAY", "3"), clock)) {
            String first = MfaTestSupport.newUser(app, "budget-one");
            String second = MfaTestSupport.newUser(app, "budget-two");
            String firstSecret = MfaTestSupport.enableTotp(app, app.login(first, MfaTestSupport.PASSWORD), clock).getFirst();
            String secondSecret = MfaTestSupport.enableTotp(app, app.login(second, MfaTestSupport.PASSWORD), clock).getFirst();
            clock.advance(java.time.Duration.ofSeconds(30)); // the confirmation spent this step's codes
            String right = Rfc6238Reference.code(firstSecret, clock.instant());
            String wrong = right.equals("000000") ? "111111" : "000000";

            String guesser = "10.9.8.7";
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = verify(app, MfaTestSupport.mfaToken(app, first), wrong, guesser);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
            }
            HttpResponse<String> refused = verify(app, MfaTestSupport.mfaToken(app, first), right, guesser);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            // the address's budget, not the account's: another account's right code from there is refused too
            String secondRight = Rfc6238Reference.code(secondSecret, clock.instant());
            assertThat(verify(app, MfaTestSupport.mfaToken(app, second), secondRight, guesser).statusCode()).isEqualTo(429);
            // and the account itself signs in from another address
            HttpResponse<String> elsewhere = verify(app, MfaTestSupport.mfaToken(app, first), right, "10.9.8.200");
            assertThat(elsewhere.statusCode()).as(elsewhere.body()).isEqualTo(200);
        }
    }

    private static HttpResponse<String> verify(TestApp app, String mfaToken, String code, String ip) {
        return app.send(app.request("/v1/auth/mfa/verify").header("Content-Type", "application/json").header("X-Forwarded-For", ip)
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("mfa_token", mfaToken, "method", "totp", "code", code))))
                .build());
    }
}
