package com.liftos.security.mfa;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The MFA step asks the organization's address rules again: a password step from an allowed address does not carry
 * a sign-in to an address the organization refuses (its IP ranges, or its blocks), and the refusal spends nothing:
 * the same MFA token still works from an allowed address.
 */
class MfaAddressTest {
    @Test
    void theSecondStepFromAnAddressOutsideTheOrganizationsRangesIsRefusedAndAudited() {
        MutableClock clock = MutableClock.atTotpStepStart();
        try (TestApp app = TestApp.start(Map.of("LIFTOS_TRUSTED_PROXIES", "127.0.0.1", "SECURITY_RATE_LIMITING_ENABLED", "false"), clock)) {
            String email = MfaTestSupport.newUser(app, "address");
            String token = app.login(email, MfaTestSupport.PASSWORD);
            UUID userId = MfaTestSupport.userId(app, token);
            UUID org = UUID.fromString(app.json(app.get("/v1/me", token)).get("org_id").asText());
            String secret = MfaTestSupport.enableTotp(app, token, clock).getFirst();
            clock.advance(java.time.Duration.ofSeconds(30)); // the confirmation spent this step's codes
            String superAdmin = app.loginAdmin();
            ObjectNode cfg = (ObjectNode) app.json(app.get("/v1/orgs/" + org + "/security-config", superAdmin));
            cfg.putArray("allowed_ip_ranges").add("10.0.0.0/8");
            HttpResponse<String> put = app.putJson("/v1/orgs/" + org + "/security-config", cfg.toString(), superAdmin);
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

            HttpResponse<String> password = send(app, "/v1/auth/login", Map.of("email", email, "password", MfaTestSupport.PASSWORD), "10.1.1.1");
            assertThat(password.statusCode()).as(password.body()).isEqualTo(200);
            String mfaToken = app.json(password).get("mfa_token").asText();
            String code = Rfc6238Reference.code(secret, clock.instant());

            HttpResponse<String> refused = send(app, "/v1/auth/mfa/verify", Map.of("mfa_token", mfaToken, "method", "totp", "code", code),
                    "192.0.2.9");
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
            assertThat(app.json(refused).at("/error/code").asText()).isEqualTo("ip_not_allowed");
            assertThat(refused.body()).doesNotContain("access_token");
            List<String> audited = MfaTestSupport.auditOf(app, userId);
            assertThat(audited).anyMatch(e -> e.contains("LOGIN_FAILURE") && e.contains("ip_not_allowed"));

            HttpResponse<String> allowed = send(app, "/v1/auth/mfa/verify", Map.of("mfa_token", mfaToken, "method", "totp", "code", code),
                    "10.1.1.2");
            assertThat(allowed.statusCode()).as("the refusal spent neither the token nor the code: %s", allowed.body()).isEqualTo(200);
        }
    }

    private static HttpResponse<String> send(TestApp app, String path, Map<String, String> body, String ip) {
        return app.send(app.request(path).header("Content-Type", "application/json").header("X-Forwarded-For", ip)
                .POST(HttpRequest.BodyPublishers.ofString(app.body(body))).build());
    }
}
