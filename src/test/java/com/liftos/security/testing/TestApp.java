package com.liftos.security.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.App;
import com.liftos.security.config.ConfigLoader;
import com.liftos.security.http.Json;
import com.liftos.security.http.OpenApi;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The whole service started in-process on a random port, on a fresh schema of the test PostgreSQL and a fresh
 * data directory. The bootstrap admin is {@link #ADMIN_EMAIL} / {@link #ADMIN_PASSWORD}.
 */
public final class TestApp implements AutoCloseable {
    public static final String ADMIN_EMAIL = "admin@example.test";
    public static final String ADMIN_PASSWORD = "Adm1n-Password!x";

    private final App app;
    private final Path dataDir;
    private final Map<String, String> env;
    private final TestDatabase.Schema schema;
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    private TestApp(Map<String, String> extraEnv, Clock clock) {
        this(extraEnv, clock, null, null);
    }

    /**
     * On {@code schema} (a fresh one when null) with a data directory of its own; with {@code shared} set, given only
     * that instance's master key.
     */
    private TestApp(Map<String, String> extraEnv, Clock clock, TestDatabase.Schema schema, TestApp shared) {
        try {
            this.dataDir = Files.createTempDirectory("liftos-test-data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.schema = shared != null ? shared.schema : schema != null ? schema : TestDatabase.fresh();
        Map<String, String> env = new HashMap<>();
        env.put("LIFTOS_DATA_DIR", dataDir.toString());
        env.put("DATABASE_URL", this.schema.databaseUrl());
        env.put("LIFTOS_HTTP_PORT", "0");
        env.put("LIFTOS_DB_POOL_SIZE", "8");
        env.put("LIFTOS_BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL);
        env.put("LIFTOS_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("LIFTOS_BOOTSTRAP_ORG", "Test Org");
        // every test talks from 127.0.0.1: the 5-per-5-minutes login limit would trip ordinary tests;
        // rate-limit tests switch it back on
        env.put("SECURITY_RATE_LIMITING_ENABLED", "false");
        // Cheap Argon2 keeps logins fast in tests; tests of the hashing cost override these.
        env.put("LIFTOS_ARGON2_MEMORY_KIB", "8192");
        env.put("LIFTOS_ARGON2_ITERATIONS", "1");
        if (shared != null) {
            // The master key is all an instance is given; its own data directory holds no other key.
            env.put("MASTER_ENCRYPTION_KEY_PATH", shared.masterKeyFile().toString());
        }
        env.putAll(extraEnv);
        env.putIfAbsent("MASTER_ENCRYPTION_KEY_PATH", dataDir.resolve("keys/master_encryption_key.txt").toString());
        this.env = Map.copyOf(env);
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

    /**
     * A second service instance on {@code other}'s database schema with a data directory of its own, given only
     * {@code other}'s master key file (multi-instance tests): every other key comes from the database.
     */
    public static TestApp startSharing(TestApp other, Map<String, String> extraEnv, Clock clock) {
        return new TestApp(extraEnv, clock, null, other);
    }

    /** An instance on an existing {@code schema} with a data directory of its own (fleet tests pass the master key in {@code extraEnv}). */
    public static TestApp startOn(TestDatabase.Schema schema, Map<String, String> extraEnv) {
        return new TestApp(extraEnv, Clock.systemUTC(), schema, null);
    }

    public App app() { return app; }
    /** The master key file this instance was started with. */
    public Path masterKeyFile() { return Path.of(env.get("MASTER_ENCRYPTION_KEY_PATH")); }
    /** The environment this instance was started with (tests start the CLI the same way). */
    public Map<String, String> env() { return env; }
    public Path dataDir() { return dataDir; }
    public TestDatabase.Schema schema() { return schema; }
    public String consoleOutput() { return console.toString(StandardCharsets.UTF_8); }
    public String baseUrl() { return "http://127.0.0.1:" + app.port(); }

    /** A request builder for {@code path} on this server. */
    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30));
    }

    /**
     * Sends a request. Every exchange is recorded when {@link #record} is on; with the system property
     * {@value #CONTRACT_CHECK} (or {@code LIFTOS_CONTRACT_CHECK}) set to {@code true}, e.g.
     * {@code ./mvnw test -Dliftos.contract.check=true}, every response of every test is also held to the OpenAPI
     * document, and one that departs from it fails the test that made the request, naming the route, status and problem.
     */
    public HttpResponse<String> send(HttpRequest request) {
        HttpResponse<String> response = exchange(request);
        boolean check = contractCheck();
        if (recording || check) {
            Exchange e = Exchange.of(request, response);
            if (recording) {
                recorded.add(e);
            }
            if (check) {
                List<String> problems = e.problems(contract());
                if (!problems.isEmpty()) {
                    throw new AssertionError("the response departs from /openapi.json: " + String.join("\n", problems));
                }
            }
        }
        return response;
    }

    /** The system property that holds every response of the test suite to the OpenAPI document. */
    public static final String CONTRACT_CHECK = "liftos.contract.check";

    /** {@value #CONTRACT_CHECK}, or the environment variable {@code LIFTOS_CONTRACT_CHECK}, is {@code true}. */
    static boolean contractCheck() {
        return Boolean.getBoolean(CONTRACT_CHECK) || "true".equalsIgnoreCase(System.getenv("LIFTOS_CONTRACT_CHECK"));
    }

    private volatile boolean recording;
    private final List<Exchange> recorded = new java.util.concurrent.CopyOnWriteArrayList<>();
    private ApiContract contract;

    /** One request and its response, as the contract check needs them. */
    public record Exchange(String method, String rawPath, int status, Optional<String> contentType, Optional<String> requestId,
                           String body) {
        static Exchange of(HttpRequest request, HttpResponse<String> response) {
            return new Exchange(request.method(), request.uri().getRawPath(), response.statusCode(),
                    response.headers().firstValue("Content-Type"), response.headers().firstValue("X-Request-ID"), response.body());
        }

        public List<String> problems(ApiContract contract) {
            return contract.check(method, rawPath, status, contentType, requestId, body);
        }
    }

    /** From now on, records every exchange {@link #send} makes (see {@link #recorded}). */
    public void record() {
        recording = true;
    }

    public List<Exchange> recorded() {
        return List.copyOf(recorded);
    }

    /**
     * The OpenAPI document of this instance's route table as a checker of responses: built as {@code GET
     * /openapi.json} builds it, without a request (which would spend rate limits and trip tests that count them).
     */
    public synchronized ApiContract contract() {
        if (contract == null) {
            try {
                String document = json.writeValueAsString(OpenApi.document(app.routes().routes(), Json.newMapper(), App.version()));
                contract = CONTRACTS.computeIfAbsent(document, ApiContract::of);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return contract;
    }

    /** One checker per document: every instance of a test run has the same route table, so they share it. */
    private static final Map<String, ApiContract> CONTRACTS = new java.util.concurrent.ConcurrentHashMap<>();

    private HttpResponse<String> exchange(HttpRequest request) {
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

    /** A service account of {@code orgId} with {@code permissions}, made by the bootstrap admin: its creation answer. */
    public JsonNode createServiceAccount(UUID orgId, String name, List<String> permissions) {
        HttpResponse<String> r = postJson("/v1/orgs/" + orgId + "/service-accounts",
                body(Map.of("name", name, "permissions", permissions)), loginAdmin());
        if (r.statusCode() != 201) {
            throw new AssertionError("service account not created: " + r.statusCode() + " " + r.body());
        }
        return json(r);
    }

    /** A client-credentials access token of the service account {@code created} ({@link #createServiceAccount}). */
    public String clientCredentialsToken(JsonNode created) {
        String creds = java.net.URLEncoder.encode(created.get("client_id").asText(), StandardCharsets.UTF_8) + ":"
                + java.net.URLEncoder.encode(created.get("client_secret").asText(), StandardCharsets.UTF_8);
        HttpResponse<String> r = send(request("/oauth2/token").header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(creds.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build());
        if (r.statusCode() != 200) {
            throw new AssertionError("no client-credentials token: " + r.statusCode() + " " + r.body());
        }
        return json(r).get("access_token").asText();
    }

    public JsonNode json(HttpResponse<String> response) {
        try {
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    private String adminToken;

    /**
     * An access token of the bootstrap admin. Reuses the last one while it still works, so repeated calls do not
     * open sessions past the organization's limit (3 by default), which would end the oldest.
     */
    public synchronized String loginAdmin() {
        if (adminToken == null || get("/v1/me", adminToken).statusCode() != 200) {
            adminToken = login(ADMIN_EMAIL, ADMIN_PASSWORD);
        }
        return adminToken;
    }

    /** Logs in (a new session each call) and returns the access token; fails the test unless 200. */
    public String login(String email, String password) {
        return loginResponse(email, password).get("access_token").asText();
    }

    /** The whole successful login body (access_token, refresh_token, session_id...). */
    public JsonNode loginResponse(String email, String password) {
        HttpResponse<String> r = postJson("/v1/auth/login", body(Map.of("email", email, "password", password)));
        if (r.statusCode() != 200 || !json(r).has("access_token")) {
            throw new AssertionError("login of " + email + " failed: " + r.statusCode() + " " + r.body());
        }
        return json(r);
    }

    /** The bootstrap organization's id. */
    public UUID adminOrgId() {
        return UUID.fromString(json(get("/v1/me", loginAdmin())).get("org_id").asText());
    }

    /** Creates a user in {@code orgId} with {@code roles} (viewer when none); fails the test unless 201. */
    public UUID createUser(String adminToken, UUID orgId, String email, String password, String... roles) {
        Map<String, Object> b = new HashMap<>();
        b.put("email", email);
        b.put("password", password);
        b.put("roles", List.of(roles.length == 0 ? new String[] {"viewer"} : roles));
        HttpResponse<String> r = postJson("/v1/orgs/" + orgId + "/users", body(b), adminToken);
        if (r.statusCode() != 201) {
            throw new AssertionError("create user failed: " + r.statusCode() + " " + r.body());
        }
        return UUID.fromString(json(r).get("id").asText());
    }

    /** Creates an organization (super admin token); fails the test unless 201. */
    public UUID createOrg(String superAdminToken, String name) {
        HttpResponse<String> r = postJson("/v1/orgs", body(Map.of("name", name)), superAdminToken);
        if (r.statusCode() != 201) {
            throw new AssertionError("create org failed: " + r.statusCode() + " " + r.body());
        }
        return UUID.fromString(json(r).get("id").asText());
    }

    /** Serializes a map as a JSON request body. */
    public String body(Map<String, ?> fields) {
        try {
            return json.writeValueAsString(fields);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        app.close();
    }
}
