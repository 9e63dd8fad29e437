package com.liftos.security.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.auth.token.ChallengeTokens;
import com.liftos.security.testing.TestApp;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code LIFTOS_JWT_ALGORITHM}: a deployment signs with RS256 (default), ES256 or EdDSA; switching algorithm on a
 * shared database keeps every earlier token verifying (the JWKS publishes the keys of both, each with its own
 * {@code alg}, and discovery lists exactly those algorithms); a header whose {@code alg} is not its key's is refused.
 */
class JwtAlgorithmTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ALG = "LIFTOS_JWT_ALGORITHM";
    static final String PASSWORD = "Alg0rithm-Switch!";

    static JsonNode header(String token) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[0]));
    }

    static JsonNode jwks(TestApp app) throws Exception {
        var r = app.get("/.well-known/jwks.json");
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static List<String> advertised(TestApp app) throws Exception {
        List<String> out = new ArrayList<>();
        JSON.readTree(app.get("/.well-known/openid-configuration").body()).get("access_token_signing_alg_values_supported")
                .forEach(n -> out.add(n.asText()));
        return out;
    }

    static List<String> jwksAlgs(TestApp app) throws Exception {
        List<String> out = new ArrayList<>();
        jwks(app).get("keys").forEach(k -> out.add(k.get("alg").asText()));
        return out;
    }

    /** Verifies a token with the JDK's own SunEC/Ed25519 from the published JWK: neither Nimbus nor ACCP involved. */
    static boolean independentlyVerifies(String token, JsonNode jwks) throws Exception {
        String[] parts = token.split("\\.");
        JsonNode header = header(token);
        byte[] input = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
        byte[] sig = Base64.getUrlDecoder().decode(parts[2]);
        for (JsonNode key : jwks.get("keys")) {
            if (!key.get("kid").asText().equals(header.path("kid").asText())) {
                continue;
            }
            if (!key.get("alg").asText().equals(header.path("alg").asText())) {
                return false;
            }
            Base64.Decoder d = Base64.getUrlDecoder();
            switch (key.get("alg").asText()) {
                case "ES256" -> {
                    AlgorithmParameters p = AlgorithmParameters.getInstance("EC", "SunEC");
                    p.init(new ECGenParameterSpec("secp256r1"));
                    ECPoint w = new ECPoint(new BigInteger(1, d.decode(key.get("x").asText())), new BigInteger(1, d.decode(key.get("y").asText())));
                    PublicKey pub = KeyFactory.getInstance("EC", "SunEC").generatePublic(new ECPublicKeySpec(w, p.getParameterSpec(ECParameterSpec.class)));
                    Signature s = Signature.getInstance("SHA256withECDSAinP1363Format", "SunEC");
                    s.initVerify(pub);
                    s.update(input);
                    return s.verify(sig);
                }
                case "EdDSA" -> {
                    byte[] prefix = Base64.getDecoder().decode("MCowBQYDK2VwAyEA"); // X.509 prefix of an Ed25519 key
                    byte[] x = d.decode(key.get("x").asText());
                    byte[] der = new byte[prefix.length + x.length];
                    System.arraycopy(prefix, 0, der, 0, prefix.length);
                    System.arraycopy(x, 0, der, prefix.length, x.length);
                    PublicKey pub = KeyFactory.getInstance("Ed25519", "SunEC").generatePublic(new X509EncodedKeySpec(der));
                    Signature s = Signature.getInstance("Ed25519", "SunEC");
                    s.initVerify(pub);
                    s.update(input);
                    return s.verify(sig);
                }
                default -> {
                    return JwksTest.independentlyVerifies(token, jwks);
                }
            }
        }
        return false;
    }

    @Test
    void anEs256DeploymentIssuesEs256TokensThatVerifyAndPublishesOnlyEs256() throws Exception {
        try (TestApp app = TestApp.start(Map.of(ALG, "ES256"))) {
            String user = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
            String service = app.clientCredentialsToken(app.createServiceAccount(app.adminOrgId(), "alg-es", List.of("users:read")));
            JsonNode jwks = jwks(app);
            assertThat(jwks.get("keys")).hasSize(1);
            JsonNode key = jwks.get("keys").get(0);
            assertThat(key.get("kty").asText()).isEqualTo("EC");
            assertThat(key.get("crv").asText()).isEqualTo("P-256");
            assertThat(key.get("alg").asText()).isEqualTo("ES256");
            assertThat(key.get("use").asText()).isEqualTo("sig");
            assertThat(key.has("d")).isFalse();
            assertThat(advertised(app)).containsExactly("ES256");
            for (String token : List.of(user, service)) {
                assertThat(header(token).get("alg").asText()).isEqualTo("ES256");
                assertThat(header(token).get("kid").asText()).isEqualTo(key.get("kid").asText());
                assertThat(token.split("\\.")[2]).hasSize(86); // 64 bytes, R || S, not DER
                assertThat(independentlyVerifies(token, jwks)).isTrue();
                assertThat(app.get("/v1/me", token).statusCode()).isEqualTo(200);
            }
            String[] p = user.split("\\.");
            String tampered = p[0] + "." + p[1].substring(0, p[1].length() - 2) + "AA" + "." + p[2];
            assertThat(independentlyVerifies(tampered, jwks)).isFalse();
            assertThat(app.get("/v1/me", tampered).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void switchingAlgorithmOnASharedDatabaseKeepsEarlierTokensValidUntilTheyExpire() throws Exception {
        try (TestApp rsa = TestApp.start()) {
            // One user per token: the organization's session limit would end the oldest sessions of a single user.
            List<String> users = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String email = "alg-" + UUID.randomUUID() + "@example.test";
                rsa.createUser(rsa.loginAdmin(), rsa.adminOrgId(), email, PASSWORD, "viewer");
                users.add(email);
            }
            String byRsa = rsa.login(users.get(0), PASSWORD);
            assertThat(header(byRsa).get("alg").asText()).isEqualTo("RS256");
            assertThat(advertised(rsa)).containsExactly("RS256");
            // The deployment restarted with ES256 (a second instance on the same database, as a rolling restart).
            try (TestApp ec = TestApp.startSharing(rsa, Map.of(ALG, "ES256"), Clock.systemUTC())) {
                // The new key is published first (every instance learns it within its reload interval) ...
                assertThat(jwksAlgs(ec)).containsExactlyInAnyOrder("ES256", "RS256");
                assertThat(advertised(ec)).containsExactlyInAnyOrder("ES256", "RS256");
                assertThat(header(ec.login(users.get(1), PASSWORD)).get("alg").asText()).isEqualTo("RS256");
                // ... and signs once that interval has passed.
                Thread.sleep(6_500);
                String byEc = ec.login(users.get(2), PASSWORD);
                assertThat(header(byEc).get("alg").asText()).isEqualTo("ES256");
                assertThat(jwksAlgs(ec)).containsExactly("ES256", "RS256");
                assertThat(advertised(ec)).containsExactly("ES256", "RS256");
                JsonNode jwks = jwks(ec);
                assertThat(independentlyVerifies(byRsa, jwks)).isTrue();
                assertThat(independentlyVerifies(byEc, jwks)).isTrue();
                for (TestApp instance : List.of(rsa, ec)) {
                    assertThat(instance.get("/v1/me", byRsa).statusCode()).isEqualTo(200);
                    assertThat(instance.get("/v1/me", byEc).statusCode()).isEqualTo(200);
                }
                // And on to EdDSA: three algorithms published while tokens of each may be alive.
                try (TestApp ed = TestApp.startSharing(rsa, Map.of(ALG, "EdDSA"), Clock.systemUTC())) {
                    Thread.sleep(6_500);
                    String byEd = ed.login(users.get(3), PASSWORD);
                    assertThat(header(byEd).get("alg").asText()).isEqualTo("EdDSA");
                    assertThat(jwksAlgs(ed)).containsExactly("EdDSA", "ES256", "RS256");
                    assertThat(advertised(ed)).containsExactly("EdDSA", "ES256", "RS256");
                    JsonNode okp = jwks(ed).get("keys").get(0);
                    assertThat(okp.get("kty").asText()).isEqualTo("OKP");
                    assertThat(okp.get("crv").asText()).isEqualTo("Ed25519");
                    assertThat(okp.has("d")).isFalse();
                    assertThat(independentlyVerifies(byEd, jwks(ed))).isTrue();
                    for (String token : List.of(byRsa, byEc, byEd)) {
                        String alg = header(token).get("alg").asText();
                        assertThat(ed.get("/v1/me", token).statusCode()).as("EdDSA instance, " + alg).isEqualTo(200);
                        assertThat(ec.get("/v1/me", token).statusCode()).as("ES256 instance, " + alg).isEqualTo(200);
                    }
                    // The instances configured earlier sign with the deployment's newest key, EdDSA, too.
                    assertThat(header(ec.login(users.get(4), PASSWORD)).get("alg").asText()).isEqualTo("EdDSA");
                }
                // Once the earlier tokens have expired (lifetime + 5 min), their keys are no longer published or accepted.
                try (TestApp later = TestApp.startSharing(rsa, Map.of(ALG, "EdDSA"), Clock.offset(Clock.systemUTC(), Duration.ofMinutes(66)))) {
                    assertThat(jwksAlgs(later)).containsExactly("EdDSA");
                    assertThat(advertised(later)).containsExactly("EdDSA");
                }
            }
        }
    }

    @Test
    void forgedAlgorithmsAreRefused() throws Exception {
        try (TestApp app = TestApp.start(Map.of(ALG, "ES256"))) {
            String token = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
            assertThat(app.get("/v1/me", token).statusCode()).isEqualTo(200);
            String kid = header(token).get("kid").asText();
            String payload = token.split("\\.")[1];
            String publicJwk = jwks(app).get("keys").get(0).toString();
            List<String> forged = new ArrayList<>();
            // alg RS256 on the EC key's kid, signed with an RSA key (the attacker's)
            forged.add(signed(new RSASSASigner(new RSAKeyGenerator(2048).generate()), JWSAlgorithm.RS256, kid, payload));
            // alg none, no signature
            forged.add(b64("{\"alg\":\"none\",\"kid\":\"" + kid + "\",\"typ\":\"at+jwt\"}") + "." + payload + ".");
            // HS256 with the published key as the secret (the JWK as published, and its x coordinate)
            forged.add(signed(new MACSigner(publicJwk.getBytes(StandardCharsets.UTF_8)), JWSAlgorithm.HS256, kid, payload));
            ECKey published = ECKey.parse(publicJwk);
            byte[] xy = concat(published.getX().decode(), published.getY().decode());
            forged.add(signed(new MACSigner(xy), JWSAlgorithm.HS256, kid, payload));
            // ES256 by a P-256 key not in the keyring: under the ring key's kid, and under its own kid
            ECKey stranger = new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate();
            forged.add(signed(new ECDSASigner(stranger), JWSAlgorithm.ES256, kid, payload));
            forged.add(signed(new ECDSASigner(stranger), JWSAlgorithm.ES256, stranger.getKeyID(), payload));
            // the ES256 signature of a real token under an EdDSA header naming the same kid; an all-zero ES256 signature
            String[] p = token.split("\\.");
            forged.add(b64("{\"alg\":\"EdDSA\",\"kid\":\"" + kid + "\",\"typ\":\"at+jwt\"}") + "." + payload + "." + p[2]);
            forged.add(p[0] + "." + payload + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[64]));
            // the real signature DER-encoded instead of R || S
            forged.add(p[0] + "." + payload + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                    com.nimbusds.jose.crypto.impl.ECDSA.transcodeSignatureToDER(Base64.getUrlDecoder().decode(p[2]))));
            for (String f : forged) {
                assertThat(app.get("/v1/me", f).statusCode()).as(f).isEqualTo(401);
            }
            // the control: the same path accepts the genuine token
            assertThat(app.get("/v1/me", token).statusCode()).isEqualTo(200);
            // MFA challenge tokens are signed with the same key, in its algorithm, and held to the same rule.
            ChallengeTokens challenges = app.app().auth().challenges();
            UUID user = UUID.randomUUID();
            String challenge = challenges.issue(ChallengeTokens.Purpose.MFA, user);
            assertThat(header(challenge).get("alg").asText()).isEqualTo("ES256");
            assertThat(challenges.verify(ChallengeTokens.Purpose.MFA, challenge)).contains(user);
            String challengePayload = challenge.split("\\.")[1];
            JWSHeader rsHeader = new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).type(new JOSEObjectType("challenge+jwt")).build();
            String rsInput = rsHeader.toBase64URL() + "." + challengePayload;
            String rsForged = rsInput + "." + new RSASSASigner(new RSAKeyGenerator(2048).generate()).sign(rsHeader, rsInput.getBytes(StandardCharsets.US_ASCII));
            assertThat(challenges.verify(ChallengeTokens.Purpose.MFA, rsForged)).isEmpty();
            String noneForged = b64("{\"alg\":\"none\",\"kid\":\"" + kid + "\",\"typ\":\"challenge+jwt\"}") + "." + challengePayload + ".";
            assertThat(challenges.verify(ChallengeTokens.Purpose.MFA, noneForged)).isEmpty();
        }
    }

    static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static String signed(JWSSigner signer, JWSAlgorithm alg, String kid, String payload) throws Exception {
        JWSHeader h = new JWSHeader.Builder(alg).keyID(kid).type(new JOSEObjectType("at+jwt")).build();
        String input = h.toBase64URL() + "." + payload;
        return input + "." + signer.sign(h, input.getBytes(StandardCharsets.US_ASCII));
    }
}
