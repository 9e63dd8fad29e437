package com.liftos.security.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar as a separate process on the embedded default: first start initializes everything, SIGTERM
 * stops it gracefully, the second start finds the same organization and keys (no second bootstrap).
 */
class PackagedJarIT {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void survivesRestartWithSameOrganizationAndKeys() throws Exception {
        Path data = dir.resolve("data");
        int port = freePort();

        Process first = start(data, port, dir.resolve("first.log"));
        String orgBefore;
        try {
            waitForHealth(port, first, Duration.ofSeconds(120));
            orgBefore = adminOrgId(port);
        } finally {
            stop(first);
        }
        String firstLog = Files.readString(dir.resolve("first.log"));
        assertThat(firstLog).contains("created organization 'IT Org'");
        assertThat(firstLog).doesNotContain("It-Admin-Passw0rd!");
        assertThat(firstLog).contains("service key created in the database keyring").contains("JWT signing key");
        byte[] master = Files.readAllBytes(data.resolve("keys/master_encryption_key.txt"));
        // the master key is the only key file; every other key is in the database
        try (var files = Files.list(data.resolve("keys"))) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).containsExactly("master_encryption_key.txt");
        }

        Process second = start(data, port, dir.resolve("second.log"));
        try {
            waitForHealth(port, second, Duration.ofSeconds(60));
            assertThat(adminOrgId(port)).isEqualTo(orgBefore);
        } finally {
            stop(second);
        }
        String secondLog = Files.readString(dir.resolve("second.log"));
        assertThat(secondLog).doesNotContain("created organization").doesNotContain("created in the database");
        assertThat(Files.readAllBytes(data.resolve("keys/master_encryption_key.txt"))).isEqualTo(master);
        assertThat(data.resolve("postgres/PG_VERSION")).exists();
    }

    /** Logs in as the bootstrap admin and returns the organization id from /v1/me. */
    private String adminOrgId(int port) throws Exception {
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"it-admin@example.test\",\"password\":\"It-Admin-Passw0rd!\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        String token = new ObjectMapper().readTree(login.body()).get("access_token").asText();
        HttpResponse<String> me = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/me"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(me.statusCode()).isEqualTo(200);
        return new ObjectMapper().readTree(me.body()).get("org_id").asText();
    }

    static Process start(Path data, int port, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
                "-jar", System.getProperty("liftos.jar", "target/liftos-security.jar"), "serve"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("DATABASE_URL");
        pb.environment().put("LIFTOS_DATA_DIR", data.toString());
        pb.environment().put("LIFTOS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("LIFTOS_BOOTSTRAP_ORG", "IT Org");
        pb.environment().put("LIFTOS_BOOTSTRAP_ADMIN_EMAIL", "it-admin@example.test");
        pb.environment().put("LIFTOS_BOOTSTRAP_ADMIN_PASSWORD", "It-Admin-Passw0rd!");
        return pb.start();
    }

    void waitForHealth(int port, Process p, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(p.isAlive()).as("service exited early").isTrue();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no /health 200 within " + timeout);
    }

    static void stop(Process p) throws InterruptedException {
        p.destroy(); // SIGTERM: graceful shutdown hook
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("service did not stop within 30 s of SIGTERM");
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
