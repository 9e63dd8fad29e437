package com.liftos.security.mfa;

import com.liftos.security.testing.MutableClock;
import static com.liftos.security.mfa.MfaTestSupport.PASSWORD;
import static com.liftos.security.mfa.MfaTestSupport.deleteWithBody;
import static com.liftos.security.mfa.MfaTestSupport.enableTotp;
import static com.liftos.security.mfa.MfaTestSupport.mfaToken;
import static com.liftos.security.mfa.MfaTestSupport.verify;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The organization's {@code require_mfa}: tokens without MFA only enrol; and step-up on credential reveal. */
class MfaPolicyTest {
    static MutableClock CLOCK;
    static TestApp app;

    @BeforeAll
    static void start() {
        CLOCK = MutableClock.atTotpStepStart();
        app = TestApp.start(Map.of("LIFTOS_TRUSTED_PROXIES", "127.0.0.1/32", "LIFTOS_STEP_UP_RISK", "0.2"), CLOCK);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void requireMfaConfinesTokensWithoutMfaToEnrolment() {
        String admin = app.loginAdmin();
        UUID org = app.createOrg(admin, "Strict " + UUID.randomUUID());
        String email = "strict-" + UUID.randomUUID().toString().substring(0, 8) + "@example.test";
        app.createUser(admin, org, email, PASSWORD, "viewer");
        String before = app.login(email, PASSWORD);
        assertThat(app.get("/v1/me", before).statusCode()).isEqualTo(200);

        HttpResponse<String> set = app.putJson("/v1/orgs/" + org + "/security-config", app.body(Map.of("require_mfa", true)), admin);
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        // a session opened before the switch is confined at once
        HttpResponse<String> confined = app.get("/v1/me", before);
        assertThat(confined.statusCode()).isEqualTo(403);
        assertThat(app.json(confined).at("/error/code").asText()).isEqualTo("mfa_enrollment_required");

        JsonNode login = app.json(app.postJson("/v1/auth/login", app.body(Map.of("email", email, "password", PASSWORD))));
        assertThat(login.get("status").asText()).isEqualTo("mfa_enrollment_required");
        String enrolOnly = login.get("access_token").asText();
        assertThat(app.get("/v1/me", enrolOnly).statusCode()).isEqualTo(403);
        assertThat(app.get("/v1/auth/sessions", enrolOnly).statusCode()).isEqualTo(403);
        assertThat(app.json(app.get("/v1/auth/sessions", enrolOnly)).at("/error/code").asText()).isEqualTo("mfa_enrollment_required");
        assertThat(app.get("/v1/mfa", enrolOnly).statusCode()).isEqualTo(200);
        assertThat(app.json(app.get("/v1/mfa", enrolOnly)).get("required_by_org").asBoolean()).isTrue();

        String secret = enableTotp(app, enrolOnly, CLOCK).get(0);
        // the enrolment-only token stays confined; a new login now asks for the code
        assertThat(app.get("/v1/me", enrolOnly).statusCode()).isEqualTo(403);
        CLOCK.advance(Duration.ofSeconds(30));
        HttpResponse<String> ok = verify(app, mfaToken(app, email), "totp", Rfc6238Reference.code(secret, CLOCK.instant()));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        String full = app.json(ok).get("access_token").asText();
        assertThat(app.get("/v1/me", full).statusCode()).isEqualTo(200);
        // the only method cannot be removed while the org requires MFA
        CLOCK.advance(Duration.ofSeconds(30));
        HttpResponse<String> remove = deleteWithBody(app, "/v1/mfa/totp",
                app.body(Map.of("code", Rfc6238Reference.code(secret, CLOCK.instant()))), full);
        assertThat(remove.statusCode()).isEqualTo(409);
        assertThat(app.json(remove).at("/error/code").asText()).isEqualTo("mfa_required_by_org");
        // other organizations are not affected
        assertThat(app.get("/v1/me", admin).statusCode()).isEqualTo(200);
    }

    @Test
    void credentialRevealNeedsRecentMfaWhenRiskIsElevated() {
        String email = "stepup-" + UUID.randomUUID().toString().substring(0, 8) + "@example.test";
        String admin = app.loginAdmin();
        UUID org = app.adminOrgId();
        // only super_admin holds reveal:credentials among user roles
        app.createUser(admin, org, email, PASSWORD, "super_admin");
        String path = "/v1/orgs/" + org + "/credentials/klaviyo/step-" + UUID.randomUUID().toString().substring(0, 6);
        assertThat(app.putJson(path, app.body(Map.of("credentials", Map.of("api_key", "pk_live_abc123def456"))), admin).statusCode())
                .isIn(200, 201);

        // first login: a new device (risk 0.3) and only a password
        String firstPwd = app.login(email, PASSWORD);
        HttpResponse<String> denied = app.get(path + "/secret", firstPwd);
        assertThat(denied.statusCode()).as(denied.body()).isEqualTo(403);
        assertThat(app.json(denied).at("/error/code").asText()).isEqualTo("mfa_required");
        // a known device on the login network: risk 0, the password suffices
        String pwd = app.login(email, PASSWORD);
        assertThat(app.get(path + "/secret", pwd).statusCode()).isEqualTo(200);
        // the same token from another network: elevated again
        assertThat(fromElsewhere(path + "/secret", pwd).statusCode()).isEqualTo(403);

        String secret = enableTotp(app, pwd, CLOCK).get(0);
        CLOCK.advance(Duration.ofSeconds(30));
        HttpResponse<String> ok = verify(app, mfaToken(app, email), "totp", Rfc6238Reference.code(secret, CLOCK.instant()));
        String withMfa = app.json(ok).get("access_token").asText();
        HttpResponse<String> revealed = fromElsewhere(path + "/secret", withMfa);
        assertThat(revealed.statusCode()).as(revealed.body()).isEqualTo(200);
        // sixteen minutes later the MFA is no longer recent
        CLOCK.advance(Duration.ofMinutes(16));
        assertThat(fromElsewhere(path + "/secret", withMfa).statusCode()).isEqualTo(403);
        // service-style routes without the declaration are not affected
        assertThat(fromElsewhere("/v1/me", withMfa).statusCode()).isEqualTo(200);
    }

    private static HttpResponse<String> fromElsewhere(String path, String token) {
        return app.send(app.request(path).header("Authorization", "Bearer " + token)
                .header("X-Forwarded-For", "203.0.113.9").GET().build());
    }
}
