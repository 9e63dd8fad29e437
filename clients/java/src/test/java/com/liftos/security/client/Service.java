package com.liftos.security.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The running service the tests use: {@code LIFTOS_TEST_URL} (its public URL, the tokens' issuer) and its bootstrap
 * super admin {@code LIFTOS_TEST_ADMIN_EMAIL}/{@code LIFTOS_TEST_ADMIN_PASSWORD}. The root project's
 * {@code ./mvnw verify} starts the packaged jar and sets them ({@code ClientLibrariesIT}).
 */
final class Service {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final String url;
    final String adminToken;
    final String orgId;

    private static Service instance;

    static synchronized Service get() {
        if (instance == null) {
            instance = new Service();
        }
        return instance;
    }

    private Service() {
        url = env("LIFTOS_TEST_URL");
        adminToken = login(env("LIFTOS_TEST_ADMIN_EMAIL"), env("LIFTOS_TEST_ADMIN_PASSWORD"));
        orgId = json(send("GET", "/v1/me", null, adminToken)).path("org_id").asText();
    }

    private static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException(name + " is not set: these tests need a running LiftOS Security (see Service.java)");
        }
        return v;
    }

    HttpResponse<String> send(String method, String path, Object body, String bearer) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path));
            if (bearer != null) {
                b.header("Authorization", "Bearer " + bearer);
            }
            b.header("Content-Type", "application/json").method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(Http.JSON.writeValueAsString(body)));
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return Http.JSON.readTree(r.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    String login(String email, String password) {
        HttpResponse<String> r = send("POST", "/v1/auth/login", Map.of("email", email, "password", password), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r).path("access_token").asText();
    }

    JsonNode serviceAccount(String... permissions) {
        HttpResponse<String> r = send("POST", "/v1/orgs/" + orgId + "/service-accounts",
                Map.of("name", "java-" + UUID.randomUUID().toString().substring(0, 8), "permissions", List.of(permissions)), adminToken);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return json(r);
    }

    String userToken(String role) {
        String email = "java-" + UUID.randomUUID() + "@example.test";
        String password = "Java-Client-Passw0rd!" + UUID.randomUUID().toString().substring(0, 6);
        HttpResponse<String> r = send("POST", "/v1/orgs/" + orgId + "/users",
                Map.of("email", email, "password", password, "roles", List.of(role)), adminToken);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return login(email, password);
    }

    LiftOSClient client(JsonNode account) {
        return LiftOSClient.builder(url).serviceAccount(account.path("client_id").asText(), account.path("client_secret").asText()).build();
    }
}
