package com.liftos.security.auth.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.crypto.KeyFiles;
import com.liftos.security.testing.TestApp;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every way of forging or bending an access token is refused with 401; a correctly made one is accepted. */
class TokenForgeryTest {
    static TestApp app;
    static KeyPair realKey;
    static String kid;
    static JsonNode login;
    static JWTClaimsSet genuine;

    @BeforeAll
    static void start() throws Exception {
        // The signing key lives in the database; handing the service an earlier release's key file makes it the
        // signing key (imported at start) and lets this test hold the real private key.
        realKey = KeyFiles.generateRsa(new SecureRandom());
        java.nio.file.Path file = Files.createTempDirectory("forgery-key").resolve("jwt_private_key.pem");
        KeyFiles.writeNew(file, KeyFiles.privateKeyPem(realKey));
        app = TestApp.start(java.util.Map.of("JWT_PRIVATE_KEY_PATH", file.toString()));
        kid = SigningKey.kidOf((RSAPublicKey) realKey.getPublic());
        login = app.loginResponse(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
        genuine = SignedJWT.parse(login.get("access_token").asText()).getJWTClaimsSet();
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static int status(String token) {
        return app.get("/v1/me", token).statusCode();
    }

    static String sign(KeyPair key, String keyId, Consumer<JWTClaimsSet.Builder> change) throws Exception {
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder(genuine).jwtID(java.util.UUID.randomUUID().toString());
        change.accept(b);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(keyId).type(new JOSEObjectType("at+jwt")).build(), b.build());
        jwt.sign(new RSASSASigner(key.getPrivate()));
        return jwt.serialize();
    }

    @Test
    void theGenuineTokenAndAFaithfulCopyAreAccepted() throws Exception {
        assertThat(status(login.get("access_token").asText())).isEqualTo(200);
        // Control: a token made here with the real key and the genuine claims verifies, so the refusals below are
        // caused by the one defect each introduces.
        assertThat(status(sign(realKey, kid, b -> { }))).isEqualTo(200);
    }

    @Test
    void algNoneIsRefused() {
        String header = b64("{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"" + kid + "\"}");
        String payload = b64(genuine.toString());
        assertThat(status(header + "." + payload + ".")).isEqualTo(401);
        String headerNoKid = b64("{\"alg\":\"none\"}");
        assertThat(status(headerNoKid + "." + payload + ".")).isEqualTo(401);
    }

    @Test
    void hs256SignedWithThePublicKeyIsRefused() throws Exception {
        byte[] pem = KeyFiles.publicKeyPem(realKey);
        byte[] der = realKey.getPublic().getEncoded();
        for (byte[] secret : List.of(pem, der)) {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).type(new JOSEObjectType("at+jwt")).build(), genuine);
            jwt.sign(new MACSigner(secret));
            assertThat(status(jwt.serialize())).isEqualTo(401);
        }
    }

    @Test
    void unknownKidAndAForeignKeyAreRefused() throws Exception {
        KeyPair attacker = KeyFiles.generateRsa(new SecureRandom());
        assertThat(status(sign(attacker, "not-a-known-kid", b -> { }))).isEqualTo(401);
        assertThat(status(sign(attacker, kid, b -> { }))).isEqualTo(401);
        assertThat(status(sign(attacker, SigningKey.kidOf((RSAPublicKey) attacker.getPublic()), b -> { }))).isEqualTo(401);
        // a key embedded in the header (jwk) is never trusted
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType("at+jwt"))
                .jwk(new RSAKey.Builder((RSAPublicKey) attacker.getPublic()).build()).build(), genuine);
        jwt.sign(new RSASSASigner(attacker.getPrivate()));
        assertThat(status(jwt.serialize())).isEqualTo(401);
    }

    @Test
    void tamperedPayloadIsRefused() throws Exception {
        String[] parts = login.get("access_token").asText().split("\\.");
        JWTClaimsSet elevated = new JWTClaimsSet.Builder(genuine).claim("roles", List.of("super_admin")).claim("permissions", List.of("*"))
                .claim("org_id", java.util.UUID.randomUUID().toString()).build();
        assertThat(status(parts[0] + "." + b64(elevated.toString()) + "." + parts[2])).isEqualTo(401);
        // flip one bit of the signature
        byte[] sig = Base64URL.from(parts[2]).decode();
        sig[10] ^= 1;
        assertThat(status(parts[0] + "." + parts[1] + "." + Base64URL.encode(sig))).isEqualTo(401);
    }

    @Test
    void aGenuineHeaderOnAForgedTokenIsRefused() throws Exception {
        // The verifier remembers header segments it has seen verify; reusing one must not skip the signature check.
        String[] parts = login.get("access_token").asText().split("\\.");
        assertThat(status(login.get("access_token").asText())).isEqualTo(200);
        KeyPair attacker = KeyFiles.generateRsa(new SecureRandom());
        String[] forged = sign(attacker, kid, b -> { }).split("\\.");
        assertThat(forged[0]).isEqualTo(parts[0]);
        assertThat(status(forged[0] + "." + forged[1] + "." + forged[2])).isEqualTo(401);
        assertThat(status(parts[0] + "." + forged[1] + "." + parts[2])).isEqualTo(401);
    }

    @Test
    void malformedStructureIsRefused() throws Exception {
        String good = sign(realKey, kid, b -> { });
        String[] p = good.split("\\.");
        for (String bad : List.of(good + ".", good + ".x", "." + p[1] + "." + p[2], p[0] + ".." + p[2], p[0] + "." + p[1],
                p[0] + "." + p[1] + ".", p[0] + "." + p[1] + "." + p[2] + "*", p[0] + "!." + p[1] + "." + p[2],
                "a.b.c", "...", "")) {
            assertThat(status(bad)).as(bad).isEqualTo(401);
        }
    }

    @Test
    void claimsOfTheWrongJsonTypeAreRefused() throws Exception {
        long exp = Instant.now().plusSeconds(600).getEpochSecond();
        // Signed with the real key, so only the claim types are wrong.
        assertThat(status(signRaw(genuineJson().replaceFirst("\"exp\":\\d+", "\"exp\":\"" + exp + "\"")))).isEqualTo(401);
        assertThat(status(signRaw(genuineJson().replaceFirst("\"exp\":\\d+", "\"exp\":" + exp + ".5")))).isEqualTo(401);
        assertThat(status(signRaw(genuineJson().replaceFirst("\"roles\":\\[[^]]*]", "\"roles\":{\"a\":1}")))).isEqualTo(401);
        assertThat(status(signRaw(genuineJson().replaceFirst("\"sub\":\"[^\"]*\"", "\"sub\":\"not-a-uuid\"")))).isEqualTo(401);
        // a duplicated claim is ambiguous, never "last one wins"
        assertThat(status(signRaw(genuineJson().replaceFirst("\\{", "{\"org_id\":\"" + java.util.UUID.randomUUID() + "\",")))).isEqualTo(401);
        // control: the same route with the claims untouched verifies
        assertThat(status(signRaw(genuineJson()))).isEqualTo(200);
    }

    /** The genuine claims with a fresh jti, as JSON text. */
    static String genuineJson() {
        return new JWTClaimsSet.Builder(genuine).jwtID(java.util.UUID.randomUUID().toString()).build().toString();
    }

    /** A compact RS256 JWS over exactly this payload text, signed with the real key. */
    static String signRaw(String payloadJson) throws Exception {
        String header = b64("{\"kid\":\"" + kid + "\",\"typ\":\"at+jwt\",\"alg\":\"RS256\"}");
        String input = header + "." + b64(payloadJson);
        java.security.Signature rsa = java.security.Signature.getInstance("SHA256withRSA");
        rsa.initSign(realKey.getPrivate());
        rsa.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(rsa.sign());
    }

    @Test
    void expiredAndNotYetValidAreRefused() throws Exception {
        Instant now = Instant.now();
        assertThat(status(sign(realKey, kid, b -> b.expirationTime(Date.from(now.minusSeconds(5)))))).isEqualTo(401);
        assertThat(status(sign(realKey, kid, b -> b.notBeforeTime(Date.from(now.plusSeconds(600)))))).isEqualTo(401);
        assertThat(status(sign(realKey, kid, b -> b.issueTime(Date.from(now.plusSeconds(600)))))).isEqualTo(401);
        assertThat(status(sign(realKey, kid, b -> b.expirationTime(null)))).isEqualTo(401);
    }

    /** RFC 9068's client_id: a user token names the first-party client (or none, signed before it was added), never a service account's. */
    @Test
    void aUserTokenNamesOnlyTheFirstPartyClient() throws Exception {
        assertThat(status(sign(realKey, kid, b -> b.claim("client_id", "sa_0123456789abcdef")))).isEqualTo(401);
        assertThat(status(sign(realKey, kid, b -> b.claim("client_id", null)))).isEqualTo(200);
        // the first-party client without a session is neither a user token nor a service account's
        assertThat(status(sign(realKey, kid, b -> b.claim("sid", null)))).isEqualTo(401);
    }

    @Test
    void wrongIssuerOrAudienceIsRefused() throws Exception {
        assertThat(status(sign(realKey, kid, b -> b.issuer("evil.example")))).isEqualTo(401);
        assertThat(status(sign(realKey, kid, b -> b.issuer(null)))).isEqualTo(401);
        assertThat(status(sign(realKey, kid, b -> b.audience("another-api")))).isEqualTo(401);
        assertThat(status(sign(realKey, kid, b -> b.audience((String) null)))).isEqualTo(401);
    }

    @Test
    void missingClaimsAreRefused() throws Exception {
        for (String claim : List.of("sub", "org_id", "jti", "roles", "permissions", "sid", "amr", "auth_time", "email")) {
            assertThat(status(sign(realKey, kid, b -> b.claim(claim, null)))).as(claim).isEqualTo(401);
        }
    }

    @Test
    void aChallengeTokenIsNotAnAccessToken() {
        String mfa = challenges().issue(ChallengeTokens.Purpose.MFA, java.util.UUID.fromString(genuine.getSubject()));
        assertThat(status(mfa)).isEqualTo(401);
    }

    @Test
    void revokedJtiIsRefused() throws Exception {
        String token = sign(realKey, kid, b -> { });
        assertThat(status(token)).isEqualTo(200);
        var r = app.send(app.request("/oauth2/revoke").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + token)).build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(status(token)).isEqualTo(401);
        // the session itself lives on
        assertThat(status(login.get("access_token").asText())).isEqualTo(200);
    }

    @Test
    void endedSessionIsRefused() {
        JsonNode other = app.loginResponse(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
        String token = other.get("access_token").asText();
        assertThat(status(token)).isEqualTo(200);
        assertThat(app.postJson("/v1/auth/logout", "", token).statusCode()).isEqualTo(204);
        assertThat(status(token)).isEqualTo(401);
    }

    static ChallengeTokens challenges() {
        return app.app().auth().challenges();
    }

    static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
