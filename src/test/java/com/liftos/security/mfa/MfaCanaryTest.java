package com.liftos.security.mfa;

import com.liftos.security.testing.LogCapture;
import com.liftos.security.testing.MutableClock;
import static com.liftos.security.mfa.MfaTestSupport.PASSWORD;
import static com.liftos.security.mfa.MfaTestSupport.mfaToken;
import static com.liftos.security.mfa.MfaTestSupport.newUser;
import static com.liftos.security.mfa.MfaTestSupport.verify;
import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.TestApp;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TOTP secrets, recovery codes and one-time codes never reach logs, audit records, MFA tables or error bodies. */
class MfaCanaryTest {

    @Test
    void mfaSecretsNeverLeak() {
        LogCapture logs = new LogCapture();
        MutableClock clock = new MutableClock(Instant.ofEpochSecond(Instant.now().getEpochSecond() / 30 * 30 + 1));
        List<String> secrets = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        try (TestApp app = TestApp.start(Map.of(), clock)) {
            String email = newUser(app, "canary");
            String token = app.login(email, PASSWORD);
            String secret = MfaTestSupport.enrollTotp(app, token).get("secret").asText();
            secrets.add(secret);
            secrets.add(HexFormat.of().formatHex(Rfc6238Reference.base32Decode(secret)));
            String first = Rfc6238Reference.code(secret, clock.instant());
            bodies.add(app.postJson("/v1/mfa/totp/confirm", app.body(Map.of("code", first + "9")), token).body());
            var confirmed = app.json(app.postJson("/v1/mfa/totp/confirm", app.body(Map.of("code", first)), token));
            confirmed.get("recovery_codes").forEach(n -> secrets.add(n.asText()));
            secrets.add(confirmed.get("recovery_codes").get(0).asText().replace("-", ""));
            // replayed and wrong codes in error bodies
            bodies.add(verify(app, mfaToken(app, email), "totp", first).body());
            bodies.add(verify(app, mfaToken(app, email), "recovery", secrets.get(2) + "x").body());
            bodies.add(app.postJson("/v1/auth/mfa/verify", "{\"mfa_token\":\"" + secret + "\",\"method\":\"totp\",\"code\":\"1\"}").body());
            bodies.add(app.postJson("/v1/auth/mfa/verify", "{\"mfa_token\":\"a\",\"method\":\"" + secret + "\",\"code\":\"1\"}").body());
            bodies.add(app.postJson("/v1/mfa/recovery-codes", "{\"method\":\"totp\",\"code\":\"" + secret + "\"}", token).body());
            clock.advance(Duration.ofSeconds(30));
            verify(app, mfaToken(app, email), "totp", Rfc6238Reference.code(secret, clock.instant()));
            verify(app, mfaToken(app, email), "recovery", secrets.get(3));

            String stored = app.app().db().run(c -> {
                StringBuilder all = new StringBuilder();
                for (String table : List.of("audit_events", "mfa_methods", "mfa_recovery_codes", "mfa_otp_codes",
                        "mfa_login_challenges", "auth_sessions")) {
                    try (PreparedStatement ps = c.prepareStatement("SELECT row_to_json(t)::text FROM " + table + " t");
                         ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            all.append(rs.getString(1)).append('\n');
                        }
                    }
                }
                return all.toString();
            });
            assertThat(stored).contains("MFA_ENABLED").contains("MFA_CHALLENGE_FAILED").contains("\\\\x");
            String logText = logs.text() + app.consoleOutput();
            for (String s : secrets) {
                assertThat(stored).as("database").doesNotContainIgnoringCase(s);
                assertThat(logText).as("logs").doesNotContainIgnoringCase(s);
                for (String body : bodies) {
                    assertThat(body).as("error body").doesNotContainIgnoringCase(s);
                }
            }
        } finally {
            logs.close();
        }
    }
}
