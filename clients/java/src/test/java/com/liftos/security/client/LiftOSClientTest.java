package com.liftos.security.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The JVM library against the running service: verification, the attack list, revocation, vault, audit. */
class LiftOSClientTest {
    static Service service;
    static JsonNode account;
    static LiftOSClient liftos;
    static String genuine;

    @BeforeAll
    static void start() {
        service = Service.get();
        account = service.serviceAccount("subscribe:revocations", "reveal:credentials", "write:audit_events");
        liftos = service.client(account);
        genuine = liftos.tokens().token();
    }

    @AfterAll
    static void stop() {
        liftos.close();
    }

    static String reason(String token) {
        try {
            liftos.verify(token);
            throw new AssertionError("accepted a forged token");
        } catch (InvalidTokenException e) {
            return e.reason();
        }
    }

    static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static JWTClaimsSet claims(String token) throws Exception {
        return SignedJWT.parse(token).getJWTClaimsSet();
    }

    static String kid() throws Exception {
        return SignedJWT.parse(genuine).getHeader().getKeyID();
    }

    @Test
    void serviceAndUserTokensVerify() throws Exception {
        Principal p = liftos.verify(genuine);
        assertThat(p.orgId()).isEqualTo(service.orgId);
        assertThat(p.isServiceAccount()).isTrue();
        assertThat(p.hasPermission("reveal:credentials")).isTrue();
        assertThat(p.hasPermission("manage:users")).isFalse();
        Principal user = liftos.verify(service.userToken("viewer"));
        assertThat(user.sessionId()).isPresent();
        assertThat(user.roles()).contains("viewer");
        assertThat(user.hasPermission("read:audit_logs")).isTrue();
    }

    @Test
    void algNoneIsRefused() throws Exception {
        String[] parts = genuine.split("\\.");
        String forged = b64("{\"alg\":\"none\",\"kid\":\"" + kid() + "\",\"typ\":\"at+jwt\"}") + "." + parts[1] + ".";
        assertThat(reason(forged)).isIn("algorithm_not_allowed", "malformed");
    }

    @Test
    void hs256SignedWithThePublicKeyIsRefused() throws Exception {
        JWKSet jwks = JWKSet.load(URI.create(service.url + "/.well-known/jwks.json").toURL());
        RSAPublicKey pub = ((RSAKey) jwks.getKeyByKeyId(kid())).toRSAPublicKey();
        String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(pub.getEncoded()) + "\n-----END PUBLIC KEY-----\n";
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid()).type(new JOSEObjectType("at+jwt")).build(),
                claims(genuine));
        forged.sign(new MACSigner(pem.getBytes(StandardCharsets.UTF_8)));
        assertThat(reason(forged.serialize())).isEqualTo("algorithm_not_allowed");
    }

    @Test
    void wrongIssuerAndExpiredAreRefused() throws Exception {
        String jwks = service.url + "/.well-known/jwks.json";
        TokenVerifier elsewhere = new TokenVerifier("https://elsewhere.example", jwks, Optional.empty(), Duration.ofSeconds(30), Clock.systemUTC());
        assertThatThrownBy(() -> elsewhere.verify(genuine)).isInstanceOf(InvalidTokenException.class);
        Instant exp = claims(genuine).getExpirationTime().toInstant();
        TokenVerifier later = new TokenVerifier(service.url, jwks, Optional.empty(), Duration.ofSeconds(30),
                Clock.fixed(exp.plusSeconds(31), ZoneOffset.UTC));
        assertThatThrownBy(() -> later.verify(genuine)).isInstanceOf(InvalidTokenException.class)
                .extracting(e -> ((InvalidTokenException) e).reason()).isEqualTo("expired");
        TokenVerifier now = new TokenVerifier(service.url, jwks, Optional.empty(), Duration.ofSeconds(30), Clock.systemUTC());
        assertThat(now.verify(genuine).subject()).isEqualTo(account.path("id").asText());
    }

    @Test
    void anUnknownKidAnotherKeyAndAnotherAlgorithmAreRefused() throws Exception {
        RSAKey mine = new RSAKeyGenerator(2048).keyID(kid()).generate();
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid()).type(new JOSEObjectType("at+jwt")).build(),
                claims(genuine));
        forged.sign(new RSASSASigner(mine));
        assertThat(reason(forged.serialize())).isEqualTo("bad_signature");

        SignedJWT unknown = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("invented-kid").type(new JOSEObjectType("at+jwt")).build(),
                claims(genuine));
        unknown.sign(new RSASSASigner(mine));
        assertThat(reason(unknown.serialize())).isEqualTo("unknown_key");

        SignedJWT carried = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid()).jwk(mine.toPublicJWK())
                .type(new JOSEObjectType("at+jwt")).build(), claims(genuine));
        carried.sign(new RSASSASigner(mine));
        assertThat(reason(carried.serialize())).isEqualTo("key_not_named");

        ECKey ec = new ECKeyGenerator(Curve.P_256).generate();
        SignedJWT es = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid()).type(new JOSEObjectType("at+jwt")).build(),
                claims(genuine));
        es.sign(new ECDSASigner(ec));
        assertThat(reason(es.serialize())).isEqualTo("unknown_key"); // the kid names an RSA key: no ES256 key matches
    }

    @Test
    void aTamperedPayloadIsRefused() throws Exception {
        String[] parts = genuine.split("\\.");
        Map<String, Object> c = claims(genuine).toJSONObject();
        c.put("permissions", List.of("*"));
        String forged = parts[0] + "." + b64(Http.JSON.writeValueAsString(c)) + "." + parts[2];
        assertThat(reason(forged)).isEqualTo("bad_signature");
        assertThat(reason(parts[0] + "." + parts[1] + "." + parts[2].substring(0, parts[2].length() - 4) + "AAAA")).isEqualTo("bad_signature");
        for (String junk : List.of("", "a.b.c", "x".repeat(20_000))) {
            assertThatThrownBy(() -> liftos.verify(junk)).isInstanceOf(InvalidTokenException.class);
        }
    }

    @Test
    void aLogoutIsRefusedWithinASecond() throws Exception {
        String user = service.userToken("viewer");
        liftos.verify(user);
        long started = System.nanoTime();
        assertThat(service.send("POST", "/v1/auth/logout", null, user).statusCode()).isIn(200, 204);
        while (true) {
            try {
                liftos.verify(user);
            } catch (InvalidTokenException e) {
                assertThat(e.reason()).isEqualTo("revoked");
                break;
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("refused within 1 s").isLessThan(Duration.ofSeconds(1));
            Thread.sleep(5);
        }
    }

    @Test
    void withoutTheFeedEveryTokenIsRefused() throws Exception {
        try (LiftOSClient c = LiftOSClient.builder(service.url).serviceAccount(account.path("client_id").asText(),
                account.path("client_secret").asText()).maxFeedStaleness(Duration.ofMillis(300)).build()) {
            String token = c.tokens().token();
            c.verify(token);
            c.revocationFeed().orElseThrow().close();
            Thread.sleep(500);
            assertThatThrownBy(() -> c.verify(token)).extracting(e -> ((InvalidTokenException) e).reason())
                    .isEqualTo("revocation_feed_unavailable");
        }
    }

    @Test
    void aCredentialIsFetchedAndNoSecretIsInToString() {
        String token = "EAAB" + UUID.randomUUID().toString().replace("-", "");
        String appSecret = UUID.randomUUID().toString().replace("-", "");
        String keyName = "java-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> put = service.send("PUT", "/v1/orgs/" + service.orgId + "/credentials/meta/" + keyName,
                Map.of("access_token", token, "app_id", "42", "app_secret", appSecret), service.adminToken);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        Credential c = liftos.vault().getCredentials("meta", keyName);
        assertThat(c.value("access_token")).contains(token);
        assertThat(c.version()).isEqualTo(1);
        String secret = account.path("client_secret").asText();
        for (String text : List.of(c.toString(), liftos.toString(), liftos.tokens().toString())) {
            assertThat(text).doesNotContain(token).doesNotContain(appSecret).doesNotContain(secret);
        }
        assertThatThrownBy(() -> liftos.vault().getCredentials("meta", "absent")).isInstanceOf(ServiceException.class)
                .hasMessageContaining("404");
    }

    @Test
    void auditEventsAreWrittenIntoTheChainWhichVerifies() {
        String id = liftos.audit().logSecurityEvent(Map.of("event_type", "login_success", "ip_address", "192.168.1.100",
                "details", Map.of("login_method", "password")));
        String key = UUID.randomUUID().toString();
        List<Map<String, Object>> batch = List.of(Map.of("event_type", "api_key_accessed", "resource", "meta/default"),
                Map.of("event_type", "suspicious_activity", "risk_level", "high"));
        AuditClient.Result first = liftos.audit().log(batch, key);
        AuditClient.Result again = liftos.audit().log(batch, key);
        assertThat(first.accepted()).isEqualTo(2);
        assertThat(again.replayed()).isTrue();
        assertThat(again.eventIds()).isEqualTo(first.eventIds());
        JsonNode chain = Service.json(service.send("POST", "/v1/orgs/" + service.orgId + "/audit/verify", null, service.adminToken));
        assertThat(chain.path("status").asText()).isEqualTo("intact");
        HttpResponse<String> listed = service.send("GET", "/v1/orgs/" + service.orgId + "/audit?limit=50", null, service.adminToken);
        assertThat(listed.body()).contains(id).contains(first.eventIds().getFirst());
    }

    @Test
    void serviceTokensAreCachedUntilDue() {
        int grants = liftos.tokens().grants();
        for (int i = 0; i < 5; i++) {
            assertThat(liftos.tokens().token()).isEqualTo(genuine);
        }
        assertThat(liftos.tokens().grants()).isEqualTo(grants);
        JsonNode other = service.serviceAccount("write:audit_events");
        Instant[] now = {Instant.now()};
        Clock moving = new Clock() {
            @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId z) { return this; }
            @Override public Instant instant() { return now[0]; }
        };
        ServiceTokens t = new ServiceTokens(liftos.metadata().path("token_endpoint").asText(), other.path("client_id").asText(),
                other.path("client_secret").asText(), Duration.ofSeconds(60), moving);
        String a = t.token();
        now[0] = now[0].plus(Duration.ofMinutes(58));
        assertThat(t.token()).isEqualTo(a);
        now[0] = now[0].plus(Duration.ofMinutes(1)).plusSeconds(1); // within a minute of expiry: renewed
        assertThat(t.token()).isNotEqualTo(a);
        assertThat(t.grants()).isEqualTo(2);
        assertThat(t.toString()).doesNotContain(other.path("client_secret").asText());
    }

    static HttpRequest.Builder req(String url) {
        return HttpRequest.newBuilder(URI.create(url));
    }
}
