package com.liftos.security.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.liftos.security.testing.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code deploy/kubernetes/deployment.yaml} run for real: three instances as three processes, each started as the
 * manifest starts its container (the image's entrypoint and {@code JAVA_TOOL_OPTIONS} from the Dockerfile, the
 * container's args, env and user, uid 10001 through {@code setpriv}), each with a data directory of its own, the master
 * key on a read-only "Secret mount" (root:10001, mode 0440, as {@code fsGroup} leaves it), one PostgreSQL, one Redis.
 * What this machine changes, and only that: the Secret references get this machine's database and Redis, each pod
 * listens on 127.0.0.1 and a port of its own (the pod network), the trusted proxy is this test (the ingress, which
 * says {@code X-Forwarded-Proto: https}), and the bootstrap admin variables a first deployment sets once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ManifestFleetIT {
    private static final Path MANIFEST = Path.of("deploy/kubernetes/deployment.yaml");
    private static final Path DOCKERFILE = Path.of("Dockerfile");
    private static final int PODS = 3;
    private static final String ADMIN = "fleet-admin@example.test";
    private static final String PASSWORD = "Fleet-Admin-Passw0rd!";
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path root;
    static JsonNode container;
    static JsonNode podSpec;
    static TestDatabase.Schema schema;
    static Path secretMount;
    static final List<Pod> pods = new ArrayList<>();
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** One running instance: its process, port, data directory and log. */
    record Pod(int index, Process process, int port, Path data, Path log) {
        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }
    }

    @BeforeAll
    static void startFleet() throws Exception {
        JsonNode deployment = documents().stream().filter(d -> d.path("kind").asText().equals("Deployment")).findFirst().orElseThrow();
        podSpec = deployment.at("/spec/template/spec");
        container = podSpec.at("/containers/0");
        root = Files.createTempDirectory("manifest-fleet");
        // Pods run as uid 10001: their directories must be theirs, as the kubelet makes an emptyDir.
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        schema = TestDatabase.fresh();
        secretMount = mountSecret();
        ExecutorService starting = Executors.newFixedThreadPool(PODS);
        List<Future<Pod>> started = new ArrayList<>();
        for (int i = 0; i < PODS; i++) {
            int index = i;
            started.add(starting.submit(() -> start(index)));
        }
        for (Future<Pod> f : started) {
            pods.add(f.get());
        }
        starting.shutdown();
        for (Pod pod : pods) {
            awaitReady(pod, startupBudget());
        }
    }

    @AfterAll
    static void stopFleet() throws Exception {
        for (Pod pod : pods) {
            if (pod.process().isAlive()) {
                pod.process().destroy();
                if (!pod.process().waitFor(30, TimeUnit.SECONDS)) {
                    pod.process().destroyForcibly();
                }
            }
        }
    }

    @Test
    void everyPodStartsWithItsOwnEmptyDataDirectoryAndNoKeyButTheMountedMasterKey() throws Exception {
        for (Pod pod : pods) {
            try (var files = Files.walk(pod.data())) {
                assertThat(files.filter(Files::isRegularFile).map(Path::toString).filter(n -> n.contains("key")).toList())
                        .as("pod %d writes no key file", pod.index()).isEmpty();
            }
            assertThat(Files.readString(pod.log())).doesNotContain(PASSWORD).doesNotContain("ERROR");
        }
        long created = pods.stream().filter(p -> read(p.log()).contains("service key created in the database keyring")).count();
        assertThat(created).as("exactly one pod created the key set, the others loaded it").isEqualTo(1);
        assertThat(count("SELECT count(*) FROM organizations")).as("one bootstrap organization, however many pods started").isEqualTo(1);
    }

    @Test
    void whatOnePodIssuesEveryOtherAccepts() throws Exception {
        JsonNode login = json(post(pods.get(0), "/v1/auth/login", Map.of("email", newUser(admin(pods.get(0)), "issued"), "password", PASSWORD),
                Optional.empty()), 200);
        String access = login.get("access_token").asText();
        for (Pod pod : pods) {
            assertThat(get(pod, "/v1/me", access).statusCode()).as("pod %d accepts pod 0's token", pod.index()).isEqualTo(200);
        }
        JsonNode refreshed = json(post(pods.get(2), "/v1/auth/refresh", Map.of("refresh_token", login.get("refresh_token").asText()),
                Optional.empty()), 200);
        assertThat(get(pods.get(1), "/v1/me", refreshed.get("access_token").asText()).statusCode()).isEqualTo(200);

        Admin admin = admin(pods.get(1));
        JsonNode account = json(post(pods.get(1), "/v1/orgs/" + admin.org() + "/service-accounts",
                Map.of("name", "fleet-worker", "roles", List.of("viewer")), Optional.of(admin.token())), 201);
        String basic = Base64.getEncoder().encodeToString((account.get("client_id").asText() + ":"
                + account.get("client_secret").asText()).getBytes(StandardCharsets.UTF_8));
        for (Pod pod : pods) {
            HttpResponse<String> token = send(pod, HttpRequest.newBuilder(pod.uri("/oauth2/token"))
                    .header("Authorization", "Basic " + basic).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")));
            assertThat(token.statusCode()).as("pod %d grants with a secret made on pod 1: %s", pod.index(), token.body()).isEqualTo(200);
        }
    }

    @Test
    void oneOrganizationsAuditChainWrittenByEveryPodAtOnceVerifiesIntact() throws Exception {
        Admin admin = admin(pods.get(0));
        String user = newUser(admin, "chain");
        // Six at a time: fewer than the lockout threshold, which counts one account's attempts in flight.
        ExecutorService load = Executors.newFixedThreadPool(6);
        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            Pod pod = pods.get(i % PODS);
            answers.add(load.submit(() -> post(pod, "/v1/auth/login", Map.of("email", user, "password", PASSWORD), Optional.empty())
                    .statusCode()));
        }
        int signedIn = 0;
        for (Future<Integer> f : answers) {
            signedIn += f.get() == 200 ? 1 : 0;
        }
        load.shutdown();
        assertThat(signedIn).isEqualTo(60);
        assertThat(signIns(user)).as("every answered sign-in is in the chain, once").isEqualTo(signedIn);
        for (Pod pod : pods) {
            JsonNode verified = json(post(pod, "/v1/orgs/" + admin.org() + "/audit/verify", Map.of(), Optional.of(admin.token())), 200);
            assertThat(verified.get("status").asText()).as("verified on pod %d: %s", pod.index(), verified).isEqualTo("intact");
        }
    }

    @Test
    @Order(Integer.MAX_VALUE) // it stops a pod
    void sigtermDrainsInFlightRequestsAndTheirAuditEventsThenThePodExitsWithinTheGracePeriod() throws Exception {
        Pod pod = pods.get(PODS - 1);
        Admin admin = admin(pods.get(0));
        List<String> users = List.of(newUser(admin, "drain-a"), newUser(admin, "drain-b"), newUser(admin, "drain-c"));
        record Answer(long sentAt, int status) {}
        ExecutorService load = Executors.newFixedThreadPool(24);
        List<Future<Answer>> answers = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            // Password logins: each holds a request for the length of an Argon2id hash; eight per account, fewer than
            // the lockout's threshold, which counts attempts in flight.
            String user = users.get(i % users.size());
            answers.add(load.submit(() -> {
                long sentAt = System.nanoTime();
                try {
                    return new Answer(sentAt, post(pod, "/v1/auth/login", Map.of("email", user, "password", PASSWORD), Optional.empty())
                            .statusCode());
                } catch (IOException e) {
                    return new Answer(sentAt, -1);
                }
            }));
        }
        Thread.sleep(100);
        long signalled = System.nanoTime();
        pod.process().destroy();
        int answered = 0;
        for (Future<Answer> f : answers) {
            Answer a = f.get();
            if (signalled - a.sentAt() > TimeUnit.MILLISECONDS.toNanos(50)) {
                assertThat(a.status()).as("a request sent well before SIGTERM is served").isEqualTo(200);
            } else {
                assertThat(a.status()).as("a request sent around SIGTERM is served, refused, or never accepted").isIn(200, 503, -1);
            }
            answered += a.status() == 200 ? 1 : 0;
        }
        load.shutdown();
        long grace = podSpec.path("terminationGracePeriodSeconds").asLong(30);
        assertThat(pod.process().waitFor(grace, TimeUnit.SECONDS)).as("exited within terminationGracePeriodSeconds").isTrue();
        Duration stopping = Duration.ofNanos(System.nanoTime() - signalled);
        assertThat(answered).as("requests in flight at SIGTERM were served").isGreaterThan(12);
        long audited = 0;
        for (String user : users) {
            audited += signIns(user);
        }
        assertThat(audited).as("every 200 had its LOGIN_SUCCESS written before the pod went").isEqualTo(answered);
        assertThat(stopping).isLessThan(Duration.ofSeconds(grace));
        assertThat(read(pod.log())).doesNotContain("\"level\":\"ERROR\"");
        for (Pod other : pods.subList(0, PODS - 1)) {
            assertThat(get(other, "/v1/me", admin.token()).statusCode()).as("the others carry on").isEqualTo(200);
        }
    }

    /** The bootstrap admin signed in on {@code pod}, with their organization. */
    record Admin(String token, String org) {}

    static Admin admin(Pod pod) throws IOException, InterruptedException {
        String token = json(post(pod, "/v1/auth/login", Map.of("email", ADMIN, "password", PASSWORD), Optional.empty()), 200)
                .get("access_token").asText();
        return new Admin(token, json(get(pod, "/v1/me", token), 200).get("org_id").asText());
    }

    /** A new viewer of the admin's organization (password {@link #PASSWORD}); returns their email. */
    static String newUser(Admin admin, String name) throws IOException, InterruptedException {
        String email = name + "-" + System.nanoTime() + "@example.test";
        json(post(pods.get(0), "/v1/orgs/" + admin.org() + "/users", Map.of("email", email, "password", PASSWORD, "roles", List.of("viewer")),
                Optional.of(admin.token())), 201);
        return email;
    }

    /** LOGIN_SUCCESS events of the user with this email. */
    static long signIns(String email) {
        return count("SELECT count(*) FROM audit_events e JOIN users u ON u.id = e.actor_id WHERE e.event_type = 'LOGIN_SUCCESS' AND u.email = '"
                + email + "'");
    }

    // --- the manifest, as a kubelet reads it ---

    static List<JsonNode> documents() throws IOException {
        YAMLMapper yaml = new YAMLMapper();
        try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(new YAMLFactory().createParser(MANIFEST.toFile()))) {
            return it.readAll();
        }
    }

    /** The master-key Secret as the kubelet mounts it: a read-only directory, the file root:10001 mode 0440. */
    static Path mountSecret() throws IOException, InterruptedException {
        JsonNode mount = mountNamed("master-key");
        assertThat(mount.path("readOnly").asBoolean()).as("the Secret is mounted read-only").isTrue();
        Path dir = root.resolve("secret").resolve(mount.get("mountPath").asText().substring(1));
        Files.createDirectories(dir);
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        String keyFile = Path.of(env().get("MASTER_ENCRYPTION_KEY_PATH")).getFileName().toString();
        Path key = dir.resolve(keyFile);
        Files.writeString(key, Base64.getEncoder().encodeToString(raw) + "\n");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("r--r-----"));
        int gid = container.at("/securityContext/runAsGroup").asInt(podSpec.at("/securityContext/fsGroup").asInt(10001));
        run("chown", "0:" + gid, key.toString());
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        return dir;
    }

    static JsonNode mountNamed(String name) {
        for (JsonNode m : container.path("volumeMounts")) {
            if (m.get("name").asText().equals(name)) {
                return m;
            }
        }
        throw new AssertionError("no volume mount " + name + " in the manifest");
    }

    /** The container's env: values as written, Secret references resolved to this machine's services. */
    static Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : container.path("env")) {
            String name = e.get("name").asText();
            if (e.has("value")) {
                env.put(name, e.get("value").asText());
            } else {
                String secret = e.at("/valueFrom/secretKeyRef/name").asText();
                env.put(name, switch (secret) {
                    case "liftos-security-db" -> schema.databaseUrl();
                    case "liftos-security-redis" -> Optional.ofNullable(System.getenv("TEST_REDIS_URL")).orElse("redis://127.0.0.1:6379");
                    default -> throw new AssertionError("unknown Secret in the manifest: " + secret);
                });
            }
        }
        return env;
    }

    static Pod start(int index) throws IOException, InterruptedException {
        Path data = root.resolve("pod-" + index).resolve("data");
        Path tmp = root.resolve("pod-" + index).resolve("tmp");
        Files.createDirectories(data);
        Files.createDirectories(tmp);
        int uid = podSpec.at("/securityContext/runAsUser").asInt();
        int gid = podSpec.at("/securityContext/runAsGroup").asInt();
        run("chown", "-R", uid + ":" + gid, root.resolve("pod-" + index).toString());
        int port = freePort();
        Map<String, String> env = env();
        // The pod network and the ingress: the only changes to what the manifest says.
        env.put("LIFTOS_HTTP_HOST", "127.0.0.1");
        env.put("LIFTOS_HTTP_PORT", Integer.toString(port));
        env.put("LIFTOS_TRUSTED_PROXIES", "127.0.0.1");
        env.put("LIFTOS_DATA_DIR", data.toString());
        env.put("MASTER_ENCRYPTION_KEY_PATH", secretMount.resolve(Path.of(env.get("MASTER_ENCRYPTION_KEY_PATH")).getFileName()).toString());
        env.put("LIFTOS_BOOTSTRAP_ORG", "Fleet Org");
        env.put("LIFTOS_BOOTSTRAP_ADMIN_EMAIL", ADMIN);
        env.put("LIFTOS_BOOTSTRAP_ADMIN_PASSWORD", PASSWORD);
        env.put("JAVA_TOOL_OPTIONS", dockerEnv("JAVA_TOOL_OPTIONS"));
        env.put("TMPDIR", tmp.toString());
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--groups=" + gid, "--"));
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Djava.io.tmpdir=" + tmp);
        cmd.addAll(List.of("-jar", Path.of(System.getProperty("liftos.jar", "target/liftos-security.jar")).toAbsolutePath().toString()));
        container.path("args").forEach(a -> cmd.add(a.asText()));
        Path log = root.resolve("pod-" + index + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).directory(data.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv("PATH"));
        pb.environment().putAll(env);
        return new Pod(index, pb.start(), port, data, log);
    }

    /** A value the Dockerfile's ENV sets for the image (quoted). */
    static String dockerEnv(String name) throws IOException {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(Files.readString(DOCKERFILE));
        assertThat(m.find()).as("the Dockerfile sets " + name).isTrue();
        return m.group(1);
    }

    /** The startup probe's patience: periodSeconds × failureThreshold. */
    static Duration startupBudget() {
        JsonNode probe = container.path("startupProbe");
        return Duration.ofSeconds(probe.path("periodSeconds").asLong(10) * probe.path("failureThreshold").asLong(3));
    }

    /** Liveness (a TCP connect) and then readiness (the manifest's HTTP path answering 200), as the kubelet asks. */
    static void awaitReady(Pod pod, Duration budget) throws Exception {
        String readiness = container.at("/readinessProbe/httpGet/path").asText();
        long deadline = System.nanoTime() + budget.toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(pod.process().isAlive()).as("pod %d exited: %s", pod.index(), read(pod.log())).isTrue();
            try (Socket s = new Socket("127.0.0.1", pod.port())) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(pod.uri(readiness)).timeout(Duration.ofSeconds(3)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet: the startup probe waits
            }
            Thread.sleep(200);
        }
        throw new AssertionError("pod " + pod.index() + " not ready within " + budget + ": " + read(pod.log()));
    }

    // --- requests through the "ingress" ---

    static HttpResponse<String> send(Pod pod, HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.header("X-Forwarded-Proto", "https").header("X-Forwarded-For", "10.1.0." + (pod.index() + 10))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(Pod pod, String path, Map<String, ?> body, Optional<String> token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(pod.uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return send(pod, b);
    }

    static HttpResponse<String> get(Pod pod, String path, String token) throws IOException, InterruptedException {
        return send(pod, HttpRequest.newBuilder(pod.uri(path)).header("Authorization", "Bearer " + token).GET());
    }

    static JsonNode json(HttpResponse<String> r, int expected) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expected);
        return JSON.readTree(r.body());
    }

    static long count(String sql) {
        try (Connection c = DriverManager.getConnection(schema.jdbcUrl(), schema.user().orElse(null), schema.password().orElse(null));
             PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
