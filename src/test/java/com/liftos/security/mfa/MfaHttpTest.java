package com.liftos.security.mfa;

import com.liftos.security.testing.MutableClock;
import static com.liftos.security.mfa.MfaTestSupport.PASSWORD;
import static com.liftos.security.mfa.MfaTestSupport.claims;
import static com.liftos.security.mfa.MfaTestSupport.deleteWithBody;
import static com.liftos.security.mfa.MfaTestSupport.enableTotp;
import static com.liftos.security.mfa.MfaTestSupport.mfaToken;
import static com.liftos.security.mfa.MfaTestSupport.newUser;
import static com.liftos.security.mfa.MfaTestSupport.verify;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TOTP enrolment, the MFA login step, replay, window edges, recovery codes and brute-force counting, over HTTP. */
class MfaHttpTest {
    static MutableClock CLOCK;
    static TestApp app;

    @BeforeAll
    static void start() {
        CLOCK = MutableClock.atTotpStepStart();
        app = TestApp.start(Map.of(), CLOCK);
        // This class tests MFA's own throttle; the password lockout (failed_logins_per_user) is raised out of the way
        // so that the class's many logins of one account never meet it.
        var set = app.putJson("/v1/orgs/" + app.adminOrgId() + "/security-config",
                app.body(Map.of("incident_thresholds", Map.of("failed_logins_per_user", 1000))), app.loginAdmin());
        if (set.statusCode() != 200) {
            throw new AssertionError("security-config: " + set.body());
        }
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static void nextStep() {
        CLOCK.advance(Duration.ofSeconds(30));
    }

    @Test
    void enrolmentGivesSecretUriAndScannableQr() throws Exception {
        String email = newUser(app, "enrol");
        String token = app.login(email, PASSWORD);
        JsonNode e = MfaTestSupport.enrollTotp(app, token);
        String secret = e.get("secret").asText();
        assertThat(secret).matches("[A-Z2-7]{32}");
        assertThat(Rfc6238Reference.base32Decode(secret)).hasSize(20);
        String uri = e.get("otpauth_uri").asText();
        assertThat(uri).startsWith("otpauth://totp/LiftOS:" + email.replace("@", "%40") + "?")
                .contains("secret=" + secret).contains("issuer=LiftOS").contains("algorithm=SHA1")
                .contains("digits=6").contains("period=30");
        String dataUrl = e.get("qr_code_data_url").asText();
        assertThat(dataUrl).startsWith("data:image/png;base64,");
        byte[] png = Base64.getDecoder().decode(e.get("qr_code_png").asText());
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        assertThat(MfaTestSupport.decodeQr(png)).isEqualTo(uri);
        // not on until confirmed: the password alone still logs in
        assertThat(app.loginResponse(email, PASSWORD).get("status").asText()).isEqualTo("authenticated");
        // a wrong first code does not turn it on
        HttpResponse<String> wrong = app.postJson("/v1/mfa/totp/confirm", app.body(Map.of("code", "000000")), token);
        if (!Rfc6238Reference.code(secret, CLOCK.instant()).equals("000000")) {
            assertThat(wrong.statusCode()).isEqualTo(400);
            assertThat(app.json(wrong).at("/error/code").asText()).isEqualTo("invalid_code");
        }
        HttpResponse<String> ok = app.postJson("/v1/mfa/totp/confirm",
                app.body(Map.of("code", Rfc6238Reference.code(secret, CLOCK.instant()))), token);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        JsonNode codes = app.json(ok).get("recovery_codes");
        assertThat(codes).hasSize(10);
        HashSet<String> distinct = new HashSet<>();
        codes.forEach(c -> distinct.add(c.asText()));
        assertThat(distinct).hasSize(10).allMatch(c -> c.matches("[a-z2-7]{5}-[a-z2-7]{5}"));
        // enrolling again while active is refused
        assertThat(app.postJson("/v1/mfa/totp/enroll", "", token).statusCode()).isEqualTo(409);
        assertThat(MfaTestSupport.auditOf(app, MfaTestSupport.userId(app, token))).anyMatch(r -> r.startsWith("MFA_ENABLED"));
        JsonNode status = app.json(app.get("/v1/mfa", token));
        assertThat(status.at("/methods/0/method").asText()).isEqualTo("totp");
        assertThat(status.at("/methods/0/status").asText()).isEqualTo("active");
        assertThat(status.get("recovery_codes_remaining").asInt()).isEqualTo(10);
    }

    @Test
    void loginWithTotpEndToEndAndReplayRefused() {
        String email = newUser(app, "login");
        String secret = enableTotp(app, app.login(email, PASSWORD), CLOCK).get(0);
        String confirmCode = Rfc6238Reference.code(secret, CLOCK.instant());

        String mfa = mfaToken(app, email);
        JsonNode pw = app.json(app.postJson("/v1/auth/login", app.body(Map.of("email", email, "password", PASSWORD))));
        assertThat(pw.get("methods")).extracting(JsonNode::asText).containsExactly("totp", "recovery");
        // the code accepted at confirmation is refused when replayed
        HttpResponse<String> replay = verify(app, mfa, "totp", confirmCode);
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(app.json(replay).at("/error/code").asText()).isEqualTo("invalid_code");

        nextStep();
        String code = Rfc6238Reference.code(secret, CLOCK.instant());
        HttpResponse<String> ok = verify(app, mfa, "totp", code);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        String access = app.json(ok).get("access_token").asText();
        assertThat(claims(app, access).get("amr")).extracting(JsonNode::asText).containsExactly("pwd", "otp");
        JsonNode me = app.json(app.get("/v1/me", access));
        assertThat(me.get("amr")).extracting(JsonNode::asText).containsExactly("pwd", "otp");
        assertThat(app.json(ok).get("refresh_token").asText()).isNotBlank();

        // the MFA token is single use
        nextStep();
        String next = Rfc6238Reference.code(secret, CLOCK.instant());
        assertThat(verify(app, mfa, "totp", next).statusCode()).isEqualTo(401);
        // and the code used above is refused on a fresh token too
        assertThat(verify(app, mfaToken(app, email), "totp", code).statusCode()).isEqualTo(401);
        assertThat(verify(app, mfaToken(app, email), "totp", next).statusCode()).isEqualTo(200);
    }

    @Test
    void concurrentPresentationsOfOneCodeOpenOneSession() throws Exception {
        String email = newUser(app, "race");
        String secret = enableTotp(app, app.login(email, PASSWORD), CLOCK).get(0);
        nextStep();
        // one MFA token and one code raced by 10 requests
        String shared = mfaToken(app, email);
        assertThat(race(java.util.Collections.nCopies(10, shared), Rfc6238Reference.code(secret, CLOCK.instant()))).isEqualTo(1);
        // one code raced across 10 different MFA tokens
        nextStep();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            tokens.add(mfaToken(app, email));
        }
        assertThat(race(tokens, Rfc6238Reference.code(secret, CLOCK.instant()))).isEqualTo(1);
    }

    /** Presents {@code code} with each token at once; returns how many were accepted. */
    private static int race(List<String> mfaTokens, String code) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(mfaTokens.size());
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<Integer>> results = new ArrayList<>();
            for (String t : mfaTokens) {
                results.add(pool.submit(() -> {
                    go.await();
                    return verify(app, t, "totp", code).statusCode();
                }));
            }
            go.countDown();
            int ok = 0;
            for (var f : results) {
                int status = f.get();
                assertThat(status).isIn(200, 401);
                ok += status == 200 ? 1 : 0;
            }
            return ok;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void windowEdgesOverHttp() {
        String email = newUser(app, "window");
        String secret = enableTotp(app, app.login(email, PASSWORD), CLOCK).get(0);
        // two steps on, so the step before the current one was never used (confirmation used its own)
        nextStep();
        nextStep();
        // +2 and -2 steps are refused (unless they collide with a code inside the window)
        String plus2 = Rfc6238Reference.code(secret, CLOCK.instant(), 2);
        String minus2 = Rfc6238Reference.code(secret, CLOCK.instant(), -2);
        List<String> inWindow = List.of(Rfc6238Reference.code(secret, CLOCK.instant(), -1),
                Rfc6238Reference.code(secret, CLOCK.instant()), Rfc6238Reference.code(secret, CLOCK.instant(), 1));
        if (!inWindow.contains(plus2)) {
            assertThat(verify(app, mfaToken(app, email), "totp", plus2).statusCode()).isEqualTo(401);
        }
        if (!inWindow.contains(minus2)) {
            assertThat(verify(app, mfaToken(app, email), "totp", minus2).statusCode()).isEqualTo(401);
        }
        // one step behind is accepted (a slow typist)...
        assertThat(verify(app, mfaToken(app, email), "totp", inWindow.get(0)).statusCode()).isEqualTo(200);
        // ...and one step ahead (a fast clock)
        assertThat(verify(app, mfaToken(app, email), "totp", inWindow.get(2)).statusCode()).isEqualTo(200);
        // after a later step was accepted, an earlier step's code is refused even inside the window
        assertThat(verify(app, mfaToken(app, email), "totp", inWindow.get(1)).statusCode()).isEqualTo(401);
    }

    @Test
    void recoveryCodesAreSingleUseAndRegenerationVoidsTheOldSet() {
        String email = newUser(app, "recovery");
        String token = app.login(email, PASSWORD);
        List<String> enabled = enableTotp(app, token, CLOCK);
        String secret = enabled.get(0);
        List<String> codes = enabled.subList(1, enabled.size());

        // regenerating needs a valid code
        assertThat(app.postJson("/v1/mfa/recovery-codes", app.body(Map.of("method", "totp", "code", "12345")), token).statusCode())
                .isEqualTo(400);
        HttpResponse<String> ok = verify(app, mfaToken(app, email), "recovery", codes.get(0));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(claims(app, app.json(ok).get("access_token").asText()).get("amr"))
                .extracting(JsonNode::asText).containsExactly("pwd", "mfa");
        // same code again: refused; upper case and without the dash is the same code
        assertThat(verify(app, mfaToken(app, email), "recovery", codes.get(0)).statusCode()).isEqualTo(401);
        assertThat(verify(app, mfaToken(app, email), "recovery", codes.get(0).toUpperCase().replace("-", "")).statusCode()).isEqualTo(401);
        assertThat(verify(app, mfaToken(app, email), "recovery", codes.get(1).toUpperCase().replace("-", " ")).statusCode()).isEqualTo(200);
        assertThat(app.json(app.get("/v1/mfa", token)).get("recovery_codes_remaining").asInt()).isEqualTo(8);

        nextStep();
        HttpResponse<String> regen = app.postJson("/v1/mfa/recovery-codes",
                app.body(Map.of("method", "totp", "code", Rfc6238Reference.code(secret, CLOCK.instant()))), token);
        assertThat(regen.statusCode()).as(regen.body()).isEqualTo(200);
        List<String> fresh = new ArrayList<>();
        app.json(regen).get("recovery_codes").forEach(n -> fresh.add(n.asText()));
        assertThat(fresh).hasSize(10).doesNotContainAnyElementsOf(codes);
        assertThat(verify(app, mfaToken(app, email), "recovery", codes.get(2)).statusCode()).isEqualTo(401);
        assertThat(verify(app, mfaToken(app, email), "recovery", fresh.get(0)).statusCode()).isEqualTo(200);
    }

    @Test
    void wrongCodesAreAuditedAsFailuresAndThrottled() {
        String email = newUser(app, "brute");
        String token = app.login(email, PASSWORD);
        UUID userId = MfaTestSupport.userId(app, token);
        String secret = enableTotp(app, token, CLOCK).get(0);
        nextStep();
        String right = Rfc6238Reference.code(secret, CLOCK.instant());
        String wrong = right.equals("123456") ? "654321" : "123456";

        String mfa = mfaToken(app, email);
        for (int i = 0; i < MfaLogin.TOKEN_FAILURES; i++) {
            HttpResponse<String> r = verify(app, mfa, "totp", wrong);
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).doesNotContain(wrong);
        }
        // the token is dead after five wrong codes, even for the right one
        assertThat(app.json(verify(app, mfa, "totp", right)).at("/error/code").asText()).isEqualTo("invalid_token");
        List<String> audit = MfaTestSupport.auditOf(app, userId);
        assertThat(audit.stream().filter(r -> r.startsWith("LOGIN_FAILURE login") && r.contains("invalid_mfa_code")))
                .hasSize(MfaLogin.TOKEN_FAILURES);
        assertThat(audit.stream().filter(r -> r.startsWith("MFA_CHALLENGE_FAILED"))).hasSize(MfaLogin.TOKEN_FAILURES);

        // ten wrong codes in 15 minutes: the user is throttled whatever the token
        for (int i = MfaLogin.TOKEN_FAILURES; i < WrongCodes.BEFORE_LOCKOUT; i++) {
            assertThat(verify(app, mfaToken(app, email), "totp", wrong).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> throttled = verify(app, mfaToken(app, email), "totp", right);
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.headers().firstValue("Retry-After")).isPresent();
        CLOCK.advance(WrongCodes.WINDOW.plusSeconds(1));
        String later = Rfc6238Reference.code(secret, CLOCK.instant());
        assertThat(verify(app, mfaToken(app, email), "totp", later).statusCode()).isEqualTo(200);
    }

    @Test
    void disablingTotpNeedsACurrentCode() {
        String email = newUser(app, "disable");
        String token = app.login(email, PASSWORD);
        UUID userId = MfaTestSupport.userId(app, token);
        String secret = enableTotp(app, token, CLOCK).get(0);
        assertThat(deleteWithBody(app, "/v1/mfa/totp", "{}", token).statusCode()).isEqualTo(400);
        nextStep();
        String right = Rfc6238Reference.code(secret, CLOCK.instant());
        String wrong = right.equals("111111") ? "222222" : "111111";
        assertThat(deleteWithBody(app, "/v1/mfa/totp", app.body(Map.of("code", wrong)), token).statusCode()).isEqualTo(400);
        assertThat(app.json(app.get("/v1/mfa", token)).at("/methods/0/status").asText()).isEqualTo("active");
        assertThat(deleteWithBody(app, "/v1/mfa/totp", app.body(Map.of("code", right)), token).statusCode()).isEqualTo(204);
        assertThat(MfaTestSupport.auditOf(app, userId)).anyMatch(r -> r.startsWith("MFA_DISABLED"));
        // MFA is off: the password alone logs in, and the recovery codes are gone
        assertThat(app.loginResponse(email, PASSWORD).get("status").asText()).isEqualTo("authenticated");
        assertThat(app.json(app.get("/v1/mfa", token)).get("recovery_codes_remaining").asInt()).isZero();
    }

    @Test
    void badInputGetsClearErrors() {
        String email = newUser(app, "bad");
        String token = app.login(email, PASSWORD);
        assertThat(app.postJson("/v1/mfa/carrier-pigeon/enroll", "", token).statusCode()).isEqualTo(404);
        assertThat(app.postJson("/v1/mfa/totp/confirm", "{\"code\":", token).statusCode()).isEqualTo(400);
        assertThat(app.postJson("/v1/mfa/totp/confirm", app.body(Map.of("code", "123456")), token).statusCode()).isEqualTo(400);
        assertThat(app.postJson("/v1/auth/mfa/verify", app.body(Map.of("mfa_token", "x.y.z", "method", "totp", "code", "123456")))
                .statusCode()).isEqualTo(401);
        assertThat(app.postJson("/v1/auth/mfa/verify", app.body(Map.of("mfa_token", token, "method", "totp", "code", "123456")))
                .statusCode()).as("an access token is not an MFA token").isEqualTo(401);
        assertThat(app.postJson("/v1/auth/mfa/verify", app.body(Map.of("mfa_token", "x", "method", "fax", "code", "1")))
                .statusCode()).isEqualTo(400);
        assertThat(app.postJson("/v1/mfa/sms/enroll", app.body(Map.of("phone_number", "12345")), token).statusCode())
                .isIn(400, 503);
        assertThat(app.get("/v1/mfa").statusCode()).isEqualTo(401);
    }
}
