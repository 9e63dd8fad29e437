package com.liftos.security.mfa;

import static com.liftos.security.mfa.MfaTestSupport.PASSWORD;
import static com.liftos.security.mfa.MfaTestSupport.auditOf;
import static com.liftos.security.mfa.MfaTestSupport.mfaToken;
import static com.liftos.security.mfa.MfaTestSupport.newUser;
import static com.liftos.security.mfa.MfaTestSupport.userId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.liftos.security.config.Config;
import com.liftos.security.config.ConfigException;
import com.liftos.security.config.ConfigLoader;
import com.liftos.security.mfa.SoftAuthenticator.Alg;
import com.liftos.security.mfa.SoftAuthenticator.Ceremony;
import com.liftos.security.testing.LogCapture;
import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Passkeys through the HTTP API with a software authenticator (real keys, CBOR and signatures): registration and
 * sign-in with ES256 and EdDSA, as a second factor and passwordless, and every attack the checks exist for refused
 * with a JSON 4xx and audited.
 */
class PasskeyHttpTest {
    static final String RP_ID = "example.test";
    static final String ORIGIN = "https://login.example.test";
    static final Ceremony OK = Ceremony.of(ORIGIN, RP_ID);
    static final MutableClock CLOCK = new MutableClock(Instant.now());
    static TestApp app;

    @BeforeAll
    static void start() {
        app = TestApp.start(Map.of("LIFTOS_WEBAUTHN_RP_ID", RP_ID, "LIFTOS_WEBAUTHN_ORIGINS", ORIGIN,
                "LIFTOS_TRUSTED_PROXIES", "127.0.0.1/32", "LIFTOS_STEP_UP_RISK", "0.2"), CLOCK);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void relyingPartyDefaultsToThePublicUrl() {
        Config c = ConfigLoader.load(Map.of("LIFTOS_PUBLIC_URL", "https://security.liftos.example:8443/base"));
        assertThat(c.mfa().webAuthn().rpId()).isEqualTo("security.liftos.example");
        assertThat(c.mfa().webAuthn().origins()).containsExactly("https://security.liftos.example:8443");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("LIFTOS_WEBAUTHN_RP_ID", "example.test",
                "LIFTOS_WEBAUTHN_ORIGINS", "https://login.example.test,https://evil.example")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("LIFTOS_WEBAUTHN_ORIGINS");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("LIFTOS_WEBAUTHN_RP_ID", "https://example.test")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("LIFTOS_WEBAUTHN_RP_ID");
    }

    @Test
    void es256PasskeyIsASecondFactorAfterThePassword() {
        String email = newUser(app, "pk-es");
        String token = app.login(email, PASSWORD);
        UUID user = userId(app, token);
        SoftAuthenticator key = new SoftAuthenticator(Alg.ES256);
        JsonNode registered = register(token, key, "Laptop");
        assertThat(registered.get("recovery_codes")).hasSize(10);
        JsonNode listed = app.json(app.get("/v1/mfa/passkeys", token));
        assertThat(listed.get("passkeys")).hasSize(1);
        assertThat(listed.at("/passkeys/0/name").asText()).isEqualTo("Laptop");

        String mfa = mfaToken(app, email);
        HttpResponse<String> signedIn = secondFactor(mfa, key, OK);
        assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
        assertThat(app.json(signedIn).get("amr").toString()).isEqualTo("[\"pwd\",\"hwk\"]");
        // the MFA token is spent with the right answer
        assertThat(app.postJson("/v1/auth/mfa/passkey/options", app.body(Map.of("mfa_token", mfa))).statusCode()).isEqualTo(401);
        List<String> audit = auditOf(app, user);
        assertThat(audit).anyMatch(a -> a.startsWith("MFA_ENABLED") && a.contains("\"method\": \"passkey\""));
        assertThat(audit).anyMatch(a -> a.startsWith("LOGIN_SUCCESS") && a.contains("\"method\": \"passkey\""));
    }

    @Test
    void eddsaPasskeySignsInWithoutAPasswordAndSatisfiesStepUp() {
        String email = "pk-ed-" + UUID.randomUUID().toString().substring(0, 8) + "@example.test";
        UUID org = app.adminOrgId();
        app.createUser(app.loginAdmin(), org, email, PASSWORD, "super_admin");
        String token = app.login(email, PASSWORD);
        // step-up: a risky request (a new device, another network) for a secret needs a recent MFA
        String path = "/v1/orgs/" + org + "/credentials/klaviyo/pk-" + UUID.randomUUID().toString().substring(0, 6);
        assertThat(app.putJson(path, app.body(Map.of("credentials", Map.of("api_key", "pk_live_abc123def456"))), app.loginAdmin())
                .statusCode()).isIn(200, 201);
        assertThat(fromElsewhere(path + "/secret", token).statusCode()).isEqualTo(403);
        SoftAuthenticator key = new SoftAuthenticator(Alg.EDDSA, UUID.randomUUID(), true);
        register(token, key, "Phone");

        HttpResponse<String> signedIn = passwordless(key, OK);
        assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
        JsonNode tokens = app.json(signedIn);
        assertThat(tokens.get("amr").toString()).isEqualTo("[\"swk\",\"user\"]");
        String passkeyToken = tokens.get("access_token").asText();
        assertThat(app.json(app.get("/v1/me", passkeyToken)).get("email").asText()).isEqualTo(email);
        assertThat(auditOf(app, userId(app, passkeyToken))).anyMatch(a -> a.startsWith("LOGIN_SUCCESS")
                && a.contains("\"method\": \"passkey\"") && a.contains("swk"));

        // the passkey sign-in is a recent MFA
        HttpResponse<String> revealed = fromElsewhere(path + "/secret", passkeyToken);
        assertThat(revealed.statusCode()).as(revealed.body()).isEqualTo(200);
    }

    @Test
    void forgedOrStaleAssertionsAreRefusedAndAudited() {
        String email = newUser(app, "pk-attack");
        String token = app.login(email, PASSWORD);
        UUID user = userId(app, token);
        SoftAuthenticator key = new SoftAuthenticator(Alg.ES256);
        register(token, key, "Key");

        assertRejected(passwordless(key, OK.origin("https://login.example.test.evil.example")), 401, "origin");
        assertRejected(passwordless(key, OK.rpId("evil.example")), 401, "rp_id");
        assertRejected(passwordless(key, OK.withoutUserVerification()), 401, "user_verification");

        // a replayed response: its challenge was spent by the first presentation
        JsonNode options = passwordlessOptions();
        ObjectNode once = key.get(options, OK);
        assertThat(app.postJson("/v1/auth/passkey/verify", app.body(Map.of("credential", once))).statusCode()).isEqualTo(200);
        assertRejected(app.postJson("/v1/auth/passkey/verify", app.body(Map.of("credential", once))), 401, "challenge");

        // an expired challenge
        JsonNode stale = passwordlessOptions();
        CLOCK.advance(Passkeys.CHALLENGE_LIFETIME.plusSeconds(1));
        assertRejected(app.postJson("/v1/auth/passkey/verify", app.body(Map.of("credential", key.get(stale, OK)))), 401,
                "challenge_expired");

        // garbage is a 400 naming the field, and a challenge-less response a refusal
        HttpResponse<String> missing = app.postJson("/v1/auth/passkey/verify", "{}");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(app.json(missing).at("/error/code").asText()).isEqualTo("validation_failed");
        assertRejected(app.postJson("/v1/auth/passkey/verify", "{\"credential\":{\"id\":\"x\",\"type\":\"public-key\",\"response\":{}}}"),
                401, "format");

        List<String> audit = auditOf(app, user);
        for (String check : List.of("origin", "rp_id", "user_verification", "challenge", "challenge_expired")) {
            assertThat(audit).as(check).anyMatch(a -> a.startsWith("LOGIN_FAILURE") && a.contains("\"check\": \"" + check + "\"")
                    && a.contains("\"method\": \"passkey\""));
        }
    }

    @Test
    void refusedPasswordlessAttemptsSpendTheAddresssSignInBudget() {
        try (TestApp limited = TestApp.start(Map.of("SECURITY_RATE_LIMITING_ENABLED", "true",
                "LIFTOS_WEBAUTHN_RP_ID", RP_ID, "LIFTOS_WEBAUTHN_ORIGINS", ORIGIN))) {
            String forged = "{\"credential\":{\"id\":\"AAAA\",\"type\":\"public-key\",\"response\":{}}}";
            for (int i = 0; i < 5; i++) {
                assertThat(limited.postJson("/v1/auth/passkey/verify", forged).statusCode()).isEqualTo(401);
            }
            HttpResponse<String> sixth = limited.postJson("/v1/auth/passkey/verify", forged);
            assertThat(sixth.statusCode()).as(sixth.body()).isEqualTo(429);
            assertThat(sixth.headers().firstValue("Retry-After")).isPresent();
        }
    }

    @Test
    void aLoweredSignatureCounterIsAClone() throws InterruptedException {
        UUID org = app.createOrg(app.loginAdmin(), "Clones " + UUID.randomUUID());
        String email = "pk-clone-" + UUID.randomUUID().toString().substring(0, 8) + "@example.test";
        UUID user = app.createUser(app.loginAdmin(), org, email, PASSWORD, "viewer");
        String token = app.login(email, PASSWORD);
        SoftAuthenticator key = new SoftAuthenticator(Alg.ES256);
        register(token, key, "Key");
        assertThat(passwordless(key, OK).statusCode()).isEqualTo(200);
        assertThat(passwordless(key, OK).statusCode()).isEqualTo(200);
        // the clone signs with the counter it was copied at
        HttpResponse<String> cloned = app.postJson("/v1/auth/passkey/verify",
                app.body(Map.of("credential", key.assertion(passwordlessOptions(), OK, 1))));
        assertRejected(cloned, 401, "counter");
        assertThat(auditOf(app, user)).anyMatch(a -> a.startsWith("SUSPICIOUS_ACTIVITY passkey_counter_regressed"));
        assertThat(auditOf(app, user)).anyMatch(a -> a.startsWith("LOGIN_FAILURE") && a.contains("\"check\": \"counter\""));
        Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
        boolean opened = false;
        while (!opened && Instant.now().isBefore(deadline)) {
            HttpResponse<String> r = app.get("/v1/orgs/" + org + "/incidents", app.loginAdmin());
            for (JsonNode i : app.json(r).get("incidents")) {
                opened |= i.get("type").asText().equals("token_theft") && i.get("subject").asText().equals("user:" + user);
            }
            Thread.sleep(100);
        }
        assertThat(opened).as("a token_theft incident for the user").isTrue();
    }

    @Test
    void anotherUsersCredentialIsNotASecondFactor() {
        String alice = newUser(app, "pk-alice");
        SoftAuthenticator aliceKey = new SoftAuthenticator(Alg.ES256);
        register(app.login(alice, PASSWORD), aliceKey, "Alice's key");
        String bob = newUser(app, "pk-bob");
        String bobToken = app.login(bob, PASSWORD);
        UUID bobId = userId(app, bobToken);
        register(bobToken, new SoftAuthenticator(Alg.EDDSA), "Bob's key");

        HttpResponse<String> r = secondFactor(mfaToken(app, bob), aliceKey, OK);
        assertRejected(r, 401, "credential");
        assertThat(auditOf(app, bobId)).anyMatch(a -> a.startsWith("LOGIN_FAILURE") && a.contains("\"check\": \"credential\""));
        // and with Bob's handle claimed for Alice's key at a passwordless sign-in
        aliceKey.claimUserHandle(Passkeys.userHandle(bobId));
        assertRejected(passwordless(aliceKey, OK), 401, "credential");
    }

    @Test
    void registrationChecksOriginAndChallengeAndRemovalNeedsARecentSecondFactor() {
        String email = newUser(app, "pk-reg");
        String token = app.login(email, PASSWORD);
        UUID user = userId(app, token);
        SoftAuthenticator key = new SoftAuthenticator(Alg.ES256);
        JsonNode options = app.json(app.postJson("/v1/mfa/passkeys/options", "", token)).get("public_key");
        HttpResponse<String> wrongOrigin = app.postJson("/v1/mfa/passkeys",
                app.body(Map.of("name", "K", "credential", key.create(options, OK.origin("https://evil.example")))), token);
        assertRejected(wrongOrigin, 400, "origin");
        assertThat(auditOf(app, user)).anyMatch(a -> a.startsWith("MFA_CHALLENGE_FAILED") && a.contains("\"check\": \"origin\""));
        // that challenge is gone even though the answer was wrong
        assertRejected(app.postJson("/v1/mfa/passkeys", app.body(Map.of("name", "K", "credential", key.create(options, OK))), token),
                400, "challenge");

        JsonNode passkey = register(token, key, "Desk key").get("passkey");
        String id = passkey.get("id").asText();
        HttpResponse<String> renamed = app.send(app.request("/v1/mfa/passkeys/" + id).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").method("PATCH", HttpRequest.BodyPublishers.ofString("{\"name\":\"Work key\"}")).build());
        assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(200);
        assertThat(app.json(renamed).get("name").asText()).isEqualTo("Work key");

        HttpResponse<String> passwordOnly = app.delete("/v1/mfa/passkeys/" + id, token);
        assertThat(passwordOnly.statusCode()).isEqualTo(403);
        assertThat(app.json(passwordOnly).at("/error/code").asText()).isEqualTo("mfa_required");
        String fresh = app.json(passwordless(key, OK)).get("access_token").asText();
        assertThat(app.delete("/v1/mfa/passkeys/" + UUID.randomUUID(), fresh).statusCode()).isEqualTo(404);
        assertThat(app.delete("/v1/mfa/passkeys/" + id, fresh).statusCode()).isEqualTo(204);
        assertThat(app.json(app.get("/v1/mfa/passkeys", fresh)).get("passkeys")).isEmpty();
        assertThat(auditOf(app, user)).anyMatch(a -> a.startsWith("MFA_DISABLED") && a.contains("\"method\": \"passkey\""));
    }

    @Test
    void anOrgRequiringPhishingResistantMfaForAdminsConfinesThemUntilTheyUseAPasskey() {
        UUID org = app.createOrg(app.loginAdmin(), "Phish " + UUID.randomUUID());
        HttpResponse<String> set = app.putJson("/v1/orgs/" + org + "/security-config",
                app.body(Map.of("phishing_resistant_mfa_roles", List.of("admin"))), app.loginAdmin());
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        String email = "pk-admin-" + UUID.randomUUID().toString().substring(0, 8) + "@example.test";
        app.createUser(app.loginAdmin(), org, email, PASSWORD, "admin");

        JsonNode first = app.loginResponse(email, PASSWORD);
        assertThat(first.get("status").asText()).isEqualTo("mfa_enrollment_required");
        String token = first.get("access_token").asText();
        HttpResponse<String> confined = app.get("/v1/orgs/" + org + "/users", token);
        assertThat(confined.statusCode()).isEqualTo(403);
        assertThat(app.json(confined).at("/error/code").asText()).isEqualTo("mfa_enrollment_required");
        assertThat(app.json(confined).at("/error/enroll").asText()).isEqualTo("/v1/mfa/passkeys/options");

        // a TOTP sign-in is MFA, but not phishing-resistant
        List<String> totp = MfaTestSupport.enableTotp(app, token, CLOCK);
        CLOCK.advance(Duration.ofSeconds(30));
        String withTotp = app.json(MfaTestSupport.verify(app, mfaToken(app, email), "totp",
                Rfc6238Reference.code(totp.get(0), CLOCK.instant()))).get("access_token").asText();
        assertThat(app.get("/v1/orgs/" + org + "/users", withTotp).statusCode()).isEqualTo(403);

        SoftAuthenticator key = new SoftAuthenticator(Alg.ES256);
        register(withTotp, key, "YubiKey");
        HttpResponse<String> withPasskey = secondFactor(mfaToken(app, email), key, OK);
        assertThat(withPasskey.statusCode()).as(withPasskey.body()).isEqualTo(200);
        HttpResponse<String> users = app.get("/v1/orgs/" + org + "/users", app.json(withPasskey).get("access_token").asText());
        assertThat(users.statusCode()).as(users.body()).isEqualTo(200);
    }

    @Test
    void anAaguidAllowListNeedsFidoMetadataOnTheServer() {
        // This instance has no FIDO metadata: an allow-list would refuse every registration (FidoAttestationTest
        // configures metadata and registers an allowed model whose attestation verifies).
        UUID org = app.createOrg(app.loginAdmin(), "Models " + UUID.randomUUID());
        HttpResponse<String> refused = app.putJson("/v1/orgs/" + org + "/security-config",
                app.body(Map.of("passkey_aaguids", List.of(UUID.randomUUID().toString()))), app.loginAdmin());
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(refused.body()).contains("passkey_aaguids").contains("LIFTOS_FIDO_MDS_PATH");
        String email = "pk-model-" + UUID.randomUUID().toString().substring(0, 8) + "@example.test";
        app.createUser(app.loginAdmin(), org, email, PASSWORD, "viewer");
        String token = app.login(email, PASSWORD);
        JsonNode options = app.json(app.postJson("/v1/mfa/passkeys/options", "", token)).get("public_key");
        assertThat(options.get("attestation").asText()).as("nothing stored").isEqualTo("none");
    }

    @Test
    void gdprExportListsPasskeysAndErasureRemovesThem() {
        String email = newUser(app, "pk-gdpr");
        String token = app.login(email, PASSWORD);
        UUID user = userId(app, token);
        register(token, new SoftAuthenticator(Alg.ES256), "Exported key");
        String base = "/v1/orgs/" + app.adminOrgId() + "/users/" + user;
        HttpResponse<String> exported = app.get(base + "/export", token);
        assertThat(exported.statusCode()).as(exported.body()).isEqualTo(200);
        JsonNode passkeys = app.json(exported).findValue("passkeys");
        assertThat(passkeys).hasSize(1);
        assertThat(passkeys.get(0).get("name").asText()).isEqualTo("Exported key");
        assertThat(exported.body()).doesNotContain("credential_id", "attested_data");
        assertThat(app.delete(base, app.loginAdmin()).statusCode()).isEqualTo(200);
        long left = app.app().db().run(c -> {
            try (var ps = c.prepareStatement("SELECT count(*) FROM mfa_passkeys WHERE user_id = ?")) {
                ps.setObject(1, user);
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
        assertThat(left).isZero();
    }

    @Test
    void canaryNoChallengeOrCredentialMaterialInLogs() {
        String email = newUser(app, "pk-canary");
        String token = app.login(email, PASSWORD);
        SoftAuthenticator key = new SoftAuthenticator(Alg.ES256);
        try (LogCapture logs = new LogCapture()) {
            JsonNode options = app.json(app.postJson("/v1/mfa/passkeys/options", "", token)).get("public_key");
            ObjectNode created = key.create(options, OK);
            app.postJson("/v1/mfa/passkeys", app.body(Map.of("name", "Canary", "credential", created)), token);
            JsonNode signIn = passwordlessOptions();
            ObjectNode asserted = key.get(signIn, OK);
            app.postJson("/v1/auth/passkey/verify", app.body(Map.of("credential", asserted)));
            app.postJson("/v1/auth/passkey/verify", app.body(Map.of("credential", asserted)));
            String text = logs.text() + app.consoleOutput();
            for (String secret : List.of(options.get("challenge").asText(), signIn.get("challenge").asText(), created.get("id").asText(),
                    created.at("/response/attestationObject").asText(), asserted.at("/response/signature").asText(),
                    asserted.at("/response/clientDataJSON").asText())) {
                assertThat(text).doesNotContain(secret);
            }
        }
    }


    private static JsonNode register(String token, SoftAuthenticator key, String name) {
        HttpResponse<String> o = app.postJson("/v1/mfa/passkeys/options", "", token);
        assertThat(o.statusCode()).as(o.body()).isEqualTo(200);
        JsonNode options = app.json(o).get("public_key");
        assertThat(options.get("attestation").asText()).isEqualTo("none");
        HttpResponse<String> r = app.postJson("/v1/mfa/passkeys", app.body(Map.of("name", name, "credential", key.create(options, OK))), token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return app.json(r);
    }

    private static JsonNode passwordlessOptions() {
        HttpResponse<String> o = app.postJson("/v1/auth/passkey/options", "");
        assertThat(o.statusCode()).as(o.body()).isEqualTo(200);
        return app.json(o).get("public_key");
    }

    private static HttpResponse<String> passwordless(SoftAuthenticator key, Ceremony c) {
        return app.postJson("/v1/auth/passkey/verify", app.body(Map.of("credential", key.get(passwordlessOptions(), c))));
    }

    private static HttpResponse<String> secondFactor(String mfaToken, SoftAuthenticator key, Ceremony c) {
        HttpResponse<String> o = app.postJson("/v1/auth/mfa/passkey/options", app.body(Map.of("mfa_token", mfaToken)));
        assertThat(o.statusCode()).as(o.body()).isEqualTo(200);
        JsonNode options = app.json(o).get("public_key");
        return app.postJson("/v1/auth/mfa/verify", app.body(Map.of("mfa_token", mfaToken, "method", "passkey",
                "credential", key.get(options, c))));
    }

    private static void assertRejected(HttpResponse<String> r, int status, String reason) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode e = app.json(r).get("error");
        assertThat(e.get("code").asText()).as(r.body()).isEqualTo("passkey_rejected");
        assertThat(e.get("reason").asText()).as(r.body()).isEqualTo(reason);
    }

    private static HttpResponse<String> fromElsewhere(String path, String token) {
        return app.send(app.request(path).header("Authorization", "Bearer " + token)
                .header("X-Forwarded-For", "203.0.113.9").GET().build());
    }
}
