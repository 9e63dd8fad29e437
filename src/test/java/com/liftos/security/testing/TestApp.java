package com.liftos.security.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.App;
import com.liftos.security.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The whole service started in-process on a random port, on a fresh schema of the test PostgreSQL and a fresh
 * data directory. The bootstrap admin is {@link #ADMIN_EMAIL} / {@link #ADMIN_PASSWORD}.
 */
public final class TestApp implements AutoCloseable {
    public static final String ADMIN_EMAIL = "admin@example.test";
    public static final String ADMIN_PASSWORD = "Adm1n-Password!x";

    private final App app;
    private final Path dataDir;
    private final TestDatabase.Schema schema;
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    private TestApp(Map<String, String> extraEnv, Clock clock) {
        try {
            this.dataDir = Files.createTempDirectory("liftos-test-data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.schema = TestDatabase.fresh();
        Map<String, String> env = new HashMap<>();
        env.put("LIFTOS_DATA_DIR", dataDir.toString());
        env.put("DATABASE_URL", schema.databaseUrl());
        env.put("LIFTOS_HTTP_PORT", "0");
        env.put("LIFTOS_DB_POOL_SIZE", "8");
        env.put("LIFTOS_BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL);
        env.put("LIFTOS_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("LIFTOS_BOOTSTRAP_ORG", "Test Org");
        // every test talks from 127.0.0.1: the 5-per-5-minutes login limit would trip ordinary tests;
        // rate-limit tests switch it back on
        env.put("SECURITY_RATE_LIMITING_ENABLED", "false");
        env.putAll(extraEnv);
        this.app = App.start(ConfigLoader.load(env), clock, new PrintStream(console, true, StandardCharsets.UTF_8));
    }

    public static TestApp start() {
        return new TestApp(Map.of(), Clock.systemUTC());
    }

    public static TestApp start(Map<String, String> extraEnv) {
        return new TestApp(extraEnv, Clock.systemUTC());
    }

    public static TestApp start(Map<String, String> extraEnv, Clock clock) {
        return new TestApp(extraEnv, clock);
    }

    public App app() { return app; }
    public Path dataDir() { return dataDir; }
    public TestDatabase.Schema schema() { return schema; }
    public String consoleOutput() { return console.toString(StandardCharsets.UTF_8); }
    public String baseUrl() { return "http://127.0.0.1:" + app.port(); }

    /** A request builder for {@code path} on this server. */
    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30));
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<String> get(String path) {
        return send(request(path).GET().build());
    }

    public HttpResponse<String> get(String path, String bearer) {
        return send(request(path).header("Authorization", "Bearer " + bearer).GET().build());
    }

    public HttpResponse<String> postJson(String path, String body) {
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public HttpResponse<String> postJson(String path, String body, String bearer) {
        return send(request(path).header("Content-Type", "application/json").header("Authorization", "Bearer " + bearer)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public HttpResponse<String> putJson(String path, String body, String bearer) {
        return send(request(path).header("Content-Type", "application/json").header("Authorization", "Bearer " + bearer)
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public HttpResponse<String> delete(String path, String bearer) {
        return send(request(path).header("Authorization", "Bearer " + bearer).DELETE().build());
    }

    public JsonNode json(HttpResponse<String> response) {
        try {
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    @Override
    public void close() {
        app.close();
    }
}
