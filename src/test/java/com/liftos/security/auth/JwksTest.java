package com.liftos.security.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.cli.LiftosCommand;
import com.liftos.security.testing.TestApp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tokens verify with an independent implementation: the JWKS fetched over HTTP, parsed with Jackson, and the
 * signature checked with the JDK's own SunRsaSign {@code SHA256withRSA} — neither Nimbus nor ACCP involved.
 */
class JwksTest {
    static TestApp app;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        app = TestApp.start();
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    /** The independent verifier: true when the JWS compact token's RS256 signature verifies with a JWKS key. */
    static boolean independentlyVerifies(String token, JsonNode jwks) throws Exception {
        String[] parts = token.split("\\.");
        JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
        if (!"RS256".equals(header.path("alg").asText())) {
            return false;
        }
        for (JsonNode key : jwks.get("keys")) {
            if (key.get("kid").asText().equals(header.path("kid").asText())) {
                BigInteger n = new BigInteger(1, Base64.getUrlDecoder().decode(key.get("n").asText()));
                BigInteger e = new BigInteger(1, Base64.getUrlDecoder().decode(key.get("e").asText()));
                PublicKey pub = KeyFactory.getInstance("RSA", "SunRsaSign").generatePublic(new RSAPublicKeySpec(n, e));
                Signature sig = Signature.getInstance("SHA256withRSA", "SunRsaSign");
                sig.initVerify(pub);
                sig.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
                return sig.verify(Base64.getUrlDecoder().decode(parts[2]));
            }
        }
        return false;
    }

    static JsonNode jwks() throws Exception {
        var r = app.get("/.well-known/jwks.json");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/jwk-set+json");
        return JSON.readTree(r.body());
    }

    @Test
    void accessTokensVerifyWithAnIndependentImplementation() throws Exception {
        String token = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
        JsonNode jwks = jwks();
        assertThat(jwks.get("keys")).hasSize(1);
        JsonNode key = jwks.get("keys").get(0);
        assertThat(key.get("kty").asText()).isEqualTo("RSA");
        assertThat(key.get("use").asText()).isEqualTo("sig");
        assertThat(key.get("alg").asText()).isEqualTo("RS256");
        assertThat(key.has("d")).isFalse();
        assertThat(independentlyVerifies(token, jwks)).isTrue();
        // and the independent verifier is not a rubber stamp
        String[] p = token.split("\\.");
        String tampered = p[0] + "." + p[1].substring(0, p[1].length() - 2) + "AA" + "." + p[2];
        assertThat(independentlyVerifies(tampered, jwks)).isFalse();
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(p[1]));
        assertThat(claims.get("aud").asText()).isEqualTo("liftos-api");
        // The issuer of the discovery document, an http(s) URL: what a resource server configured with it checks.
        assertThat(claims.get("iss").asText()).isEqualTo(JSON.readTree(app.get("/.well-known/openid-configuration").body()).get("issuer").asText())
                .startsWith("http://127.0.0.1:");
        for (String c : new String[] {"sub", "org_id", "email", "roles", "permissions", "sid", "jti", "iat", "nbf", "exp", "amr", "auth_time"}) {
            assertThat(claims.has(c)).as(c).isTrue();
        }
        assertThat(claims.get("exp").asLong() - claims.get("iat").asLong()).isEqualTo(3600);
    }

    @Test
    void discoveryDocumentNamesTheEndpoints() throws Exception {
        JsonNode doc = JSON.readTree(app.get("/.well-known/openid-configuration").body());
        // TestApp configures no public URL: the default, http://<host>:<port> as configured (port 0 here), never the Host header.
        String base = "http://127.0.0.1:0";
        assertThat(doc.get("issuer").asText()).isEqualTo(base);
        assertThat(doc.get("jwks_uri").asText()).isEqualTo(base + "/.well-known/jwks.json");
        assertThat(doc.get("token_endpoint").asText()).endsWith("/oauth2/token");
        assertThat(doc.get("introspection_endpoint").asText()).endsWith("/oauth2/introspect");
        assertThat(doc.get("revocation_endpoint").asText()).endsWith("/oauth2/revoke");
        // No ID token is issued: no id_token metadata.
        assertThat(doc.has("id_token_signing_alg_values_supported")).isFalse();
        assertThat(doc.get("access_token_signing_alg_values_supported").toString()).isEqualTo("[\"RS256\"]");
    }

    @Test
    void rotateJwtPublishesBothKeysAndOldTokensKeepVerifying() throws Exception {
        String before = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
        Map<String, String> env = new HashMap<>();
        env.put("LIFTOS_DATA_DIR", app.dataDir().toString());
        env.put("DATABASE_URL", app.schema().databaseUrl());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = LiftosCommand.execute(new String[] {"keys", "rotate-jwt"}, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(0);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("New JWT signing key");
        // within the keyring reload interval the service signs with the new key
        Thread.sleep(5_500);
        String after = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
        String kidBefore = JSON.readTree(Base64.getUrlDecoder().decode(before.split("\\.")[0])).get("kid").asText();
        String kidAfter = JSON.readTree(Base64.getUrlDecoder().decode(after.split("\\.")[0])).get("kid").asText();
        assertThat(kidAfter).isNotEqualTo(kidBefore);
        JsonNode jwks = jwks();
        assertThat(jwks.get("keys")).hasSize(2);
        assertThat(independentlyVerifies(before, jwks)).isTrue();
        assertThat(independentlyVerifies(after, jwks)).isTrue();
        assertThat(app.get("/v1/me", before).statusCode()).isEqualTo(200);
        assertThat(app.get("/v1/me", after).statusCode()).isEqualTo(200);
    }
}
