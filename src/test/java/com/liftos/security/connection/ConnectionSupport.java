package com.liftos.security.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The steps of a connect, through HTTP, for the connection tests. */
final class ConnectionSupport {
    private static final HttpClient PLAIN = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    private ConnectionSupport() {}

    static void registerApp(TestApp app, String admin, UUID org, String provider) {
        HttpResponse<String> r = app.putJson("/v1/orgs/" + org + "/connection-apps/" + provider,
                app.body(Map.of("client_id", ProviderFixture.CLIENT_ID, "client_secret", ProviderFixture.CLIENT_SECRET)), admin);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).doesNotContain(ProviderFixture.CLIENT_SECRET);
    }

    /** Starts a connect: the provider's consent URL. */
    static String start(TestApp app, String admin, UUID org, String provider, String body) {
        HttpResponse<String> r = app.postJson("/v1/orgs/" + org + "/connections/" + provider + "/connect", body, admin);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return app.json(r).get("authorize_url").asText();
    }

    /** The user consents: the provider's redirect back, as {code, state}. */
    static Map<String, String> consent(String authorizeUrl) {
        try {
            HttpResponse<String> r = PLAIN.send(HttpRequest.newBuilder(URI.create(authorizeUrl)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(302);
            String location = r.headers().firstValue("Location").orElseThrow();
            assertThat(location).contains("/v1/connections/callback?");
            return ProviderFixture.parse(URI.create(location).getRawQuery());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> callback(TestApp app, String code, String state) {
        return app.get("/v1/connections/callback?code=" + enc(code) + "&state=" + enc(state));
    }

    /** A whole connect; the new connection. */
    static JsonNode connect(TestApp app, String admin, UUID org, String provider) {
        Map<String, String> back = consent(start(app, admin, org, provider, "{}"));
        HttpResponse<String> r = callback(app, back.get("code"), back.get("state"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return app.json(r);
    }

    /** A service account holding use:connections, and its access token. */
    static String workerToken(TestApp app, String admin, UUID org) {
        HttpResponse<String> created = app.postJson("/v1/orgs/" + org + "/service-accounts",
                app.body(Map.of("name", "sync-worker-" + UUID.randomUUID(), "permissions", List.of("use:connections"))), admin);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode sa = app.json(created);
        String creds = enc(sa.get("client_id").asText()) + ":" + enc(sa.get("client_secret").asText());
        HttpResponse<String> token = app.send(app.request("/oauth2/token").header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(creds.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build());
        assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
        return app.json(token).get("access_token").asText();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
