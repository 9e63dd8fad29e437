package com.liftos.security.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.client.endpoint.OAuth2ClientCredentialsGrantRequest;
import org.springframework.security.oauth2.client.endpoint.RestClientClientCredentialsTokenResponseClient;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrations;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.endpoint.OAuth2AccessTokenResponse;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoders;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * The discovery document and tokens as real clients use them: a Spring Security resource server configured the
 * standard way ({@code JwtDecoders.fromIssuerLocation}, what {@code issuer-uri} does) fetches the metadata, checks
 * that its issuer is the one it was given, fetches the JWKS and verifies our tokens (service and user) under its
 * RFC 9068 profile; the document states only what is served. The issuer comes from configuration, never from the Host header.
 */
class DiscoveryConformanceTest {
    static TestApp app;
    static String issuer;

    @BeforeAll
    static void start() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        issuer = "http://127.0.0.1:" + port;
        app = TestApp.start(Map.of("LIFTOS_HTTP_PORT", Integer.toString(port), "LIFTOS_PUBLIC_URL", issuer + "/"));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static JsonNode account() {
        HttpResponse<String> r = app.postJson("/v1/orgs/" + app.adminOrgId() + "/service-accounts",
                app.body(Map.of("name", "spring-client", "permissions", List.of("view:audit_logs"))), app.loginAdmin());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return app.json(r);
    }

    static String serviceToken() {
        JsonNode sa = account();
        String creds = URLEncoder.encode(sa.get("client_id").asText(), StandardCharsets.UTF_8) + ":"
                + URLEncoder.encode(sa.get("client_secret").asText(), StandardCharsets.UTF_8);
        return app.json(app.send(app.request("/oauth2/token").header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(creds.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build())).get("access_token").asText();
    }

    /**
     * Spring's decoder from the issuer location (discovery, issuer check, JWKS), with Spring's RFC 9068 profile
     * (typ {@code at+jwt}, iss, aud, exp, sub, iat, jti, client_id all required and checked): our access tokens are
     * typed {@code at+jwt}, which Spring's plain default ({@code typ} JWT or none) refuses.
     */
    static JwtDecoder decoder() {
        NimbusJwtDecoder decoder = (NimbusJwtDecoder) JwtDecoders.fromIssuerLocation(issuer);
        decoder.setJwtValidator(JwtValidators.createAtJwtValidator().issuer(issuer).audience("liftos-api").build());
        return decoder;
    }

    @Test
    void springsPlainDefaultRefusesOurTypedAccessTokens() {
        // Documented behaviour, not a wish: RFC 9068 tokens need Spring's at+jwt profile (above).
        assertThatThrownBy(() -> JwtDecoders.fromIssuerLocation(issuer).decode(serviceToken()))
                .isInstanceOf(JwtException.class).hasMessageContaining("typ");
    }

    @Test
    void aSpringResourceServerConfiguredWithTheIssuerVerifiesOurTokens() {
        JwtDecoder decoder = decoder();
        Jwt service = decoder.decode(serviceToken());
        assertThat(service.getIssuer().toString()).isEqualTo(issuer);
        assertThat(service.getAudience()).contains("liftos-api");
        assertThat(service.getClaimAsStringList("permissions")).contains("view:audit_logs");
        Jwt user = decoder.decode(app.loginAdmin());
        assertThat(user.getClaimAsString("client_id")).isEqualTo("liftos");
        assertThat(user.getSubject()).isNotBlank();
        assertThat(user.getClaimAsString("sid")).isNotBlank();

        // ...and it is not a rubber stamp: a flipped signature byte and a claim edited are refused.
        String token = app.loginAdmin();
        String[] p = token.split("\\.");
        char last = p[2].charAt(10);
        String flipped = p[0] + "." + p[1] + "." + p[2].substring(0, 10) + (last == 'A' ? 'B' : 'A') + p[2].substring(11);
        assertThatThrownBy(() -> decoder.decode(flipped)).isInstanceOf(JwtException.class);
        String claims = new String(Base64.getUrlDecoder().decode(p[1]), StandardCharsets.UTF_8).replace("\"admin\"", "\"root\"");
        String edited = p[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "." + p[2];
        assertThatThrownBy(() -> decoder.decode(edited)).isInstanceOf(JwtException.class);
        assertThat(decoder.decode(token).getSubject()).isEqualTo(user.getSubject());
    }

    /**
     * Spring Security's OAuth2 client obtains client_credentials tokens, its token URI taken from the metadata.
     * Not {@code ClientRegistrations.fromIssuerLocation}: that parses {@code /.well-known/openid-configuration} as
     * an OpenID Provider's metadata, which requires ID-token fields this service (no ID token) does not state.
     */
    @Test
    void aSpringOAuth2ClientObtainsClientCredentialsTokens() {
        JsonNode sa = account();
        String tokenUri = app.json(app.get("/.well-known/oauth-authorization-server")).get("token_endpoint").asText();
        ClientRegistration registration = ClientRegistration.withRegistrationId("liftos").tokenUri(tokenUri)
                .clientId(sa.get("client_id").asText()).clientSecret(sa.get("client_secret").asText())
                .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS).build();
        OAuth2AccessTokenResponse response = new RestClientClientCredentialsTokenResponseClient()
                .getTokenResponse(new OAuth2ClientCredentialsGrantRequest(registration));
        Jwt token = decoder().decode(response.getAccessToken().getTokenValue());
        assertThat(token.getSubject()).isEqualTo(sa.get("id").asText());
        assertThat(token.getClaimAsString("client_id")).isEqualTo(sa.get("client_id").asText());
        assertThat(response.getAccessToken().getScopes()).contains("view:audit_logs");
        // the documented limit above, so that a change of the discovery document shows here
        assertThatThrownBy(() -> ClientRegistrations.fromIssuerLocation(issuer)).hasRootCauseMessage(
                "Missing JSON object member with key subject_types_supported");
    }

    @Test
    void theDocumentIsRfc8414MetadataStatingOnlyWhatIsServed() throws Exception {
        for (String path : List.of("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")) {
            HttpResponse<String> r = app.get(path);
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode doc = app.json(r);
            assertThat(doc.get("issuer").asText()).isEqualTo(issuer);
            assertThat(doc.get("jwks_uri").asText()).isEqualTo(issuer + "/.well-known/jwks.json");
            assertThat(doc.get("token_endpoint").asText()).isEqualTo(issuer + "/oauth2/token");
            assertThat(doc.get("introspection_endpoint").asText()).isEqualTo(issuer + "/oauth2/introspect");
            assertThat(doc.get("revocation_endpoint").asText()).isEqualTo(issuer + "/oauth2/revoke");
            assertThat(doc.has("authorization_endpoint")).isFalse();
            assertThat(doc.has("id_token_signing_alg_values_supported")).isFalse();
            assertThat(doc.get("response_types_supported")).isEmpty();
            assertThat(doc.get("grant_types_supported").toString()).isEqualTo("[\"client_credentials\",\"refresh_token\"]");
            // every endpoint named is served (a GET of a POST endpoint answers 405, not 404)
            for (String endpoint : List.of("jwks_uri", "token_endpoint", "introspection_endpoint", "revocation_endpoint")) {
                int status = app.get(doc.get(endpoint).asText().substring(issuer.length())).statusCode();
                assertThat(status).as(endpoint).isIn(200, 405);
            }
        }
    }

    @Test
    void aForgedHostHeaderChangesNothing() throws Exception {
        try (Socket s = new Socket("127.0.0.1", Integer.parseInt(issuer.substring(issuer.lastIndexOf(':') + 1)))) {
            s.getOutputStream().write(("GET /.well-known/openid-configuration HTTP/1.1\r\nHost: evil.example\r\n"
                    + "X-Forwarded-Host: evil.example\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 200").contains("\"issuer\":\"" + issuer + "\"").doesNotContain("evil.example");
        }
    }
}
