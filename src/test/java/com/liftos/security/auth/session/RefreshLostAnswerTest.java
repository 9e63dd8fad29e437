package com.liftos.security.auth.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.store.Db;
import com.liftos.security.testing.TestApp;
import com.liftos.security.testing.ServiceProcess;
import com.liftos.security.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A lost answer does not end a session: two service processes share one database; the first commits a rotation and
 * is killed with SIGKILL before it answers (LIFTOS_TEST_HANG_AFTER_REFRESH_COMMIT holds the marked request after the
 * commit, the test waits until the rotation is in the database, then kills). The client retries with the token it
 * still has at the other instance and gets the successor that was committed for it; the family lives on, and no
 * reuse is recorded.
 */
class RefreshLostAnswerTest {
    static final String DEVICE = "lost-answer-device";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();


    @Test
    void aClientWhoseAnswerDiedWithTheInstanceRetriesAndKeepsItsSession() throws Exception {
        TestDatabase.Schema schema = TestDatabase.fresh();
        Path first = Files.createTempDirectory("liftos-lost-answer-a");
        Path second = Files.createTempDirectory("liftos-lost-answer-b");
        ServiceProcess a = start(schema, first, Optional.empty(), Map.of("LIFTOS_TEST_HANG_AFTER_REFRESH_COMMIT", DEVICE));
        ServiceProcess b = null;
        try (HikariDataSource ds = schema.dataSource(2)) {
            b = start(schema, second, Optional.of(first.resolve("keys")), Map.of());
            JsonNode login = post(a, "/v1/auth/login", Map.of("email", TestApp.ADMIN_EMAIL, "password", TestApp.ADMIN_PASSWORD,
                    "device_id", DEVICE));
            String token = login.get("refresh_token").asText();
            String sid = login.get("session_id").asText();

            CompletableFuture<HttpResponse<String>> lost = http.sendAsync(request(a, "/v1/auth/refresh",
                    Map.of("refresh_token", token, "device_id", DEVICE)), HttpResponse.BodyHandlers.ofString());
            Db db = new Db(ds);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!"rotated".equals(status(db, Sessions.hash(token))) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(status(db, Sessions.hash(token))).as("the rotation committed").isEqualTo("rotated");
            a.process().destroyForcibly();
            assertThat(a.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> lost.get(10, TimeUnit.SECONDS)).as("the answer never reached the client")
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);

            JsonNode retried = post(b, "/v1/auth/refresh", Map.of("refresh_token", token, "device_id", DEVICE));
            String successor = retried.get("refresh_token").asText();
            assertThat(retried.get("session_id").asText()).isEqualTo(sid);
            assertThat(successorOf(db, Sessions.hash(token))).isEqualTo(java.util.HexFormat.of().formatHex(Sessions.hash(successor)));
            JsonNode next = post(b, "/v1/auth/refresh", Map.of("refresh_token", successor, "device_id", DEVICE));
            assertThat(next.get("session_id").asText()).isEqualTo(sid);
            assertThat(count(db, "SELECT count(*) FROM audit_events WHERE event_type = 'SUSPICIOUS_ACTIVITY' AND details->>'session_id' = '"
                    + sid + "'")).isZero();
            assertThat(count(db, "SELECT count(*) FROM auth_sessions WHERE id = '" + sid + "' AND ended_at IS NULL")).isEqualTo(1);
        } finally {
            a.process().destroyForcibly();
            if (b != null) {
                b.process().destroyForcibly();
            }
        }
    }

    private static ServiceProcess start(TestDatabase.Schema schema, Path data, Optional<Path> sharedKeys, Map<String, String> extra)
            throws IOException {
        Map<String, String> env = new java.util.HashMap<>(extra);
        // Long enough for a loaded two-core host between the kill and the retry; the default is 5 s.
        env.putIfAbsent("LIFTOS_REFRESH_REUSE_INTERVAL_SECONDS", "20");
        return ServiceProcess.start(schema, data, sharedKeys, env);
    }

    private HttpRequest request(ServiceProcess s, String path, Map<String, String> body) throws IOException {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build();
    }

    private JsonNode post(ServiceProcess s, String path, Map<String, String> body) throws Exception {
        HttpResponse<String> r = http.send(request(s, path, body), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json.readTree(r.body());
    }

    private static String status(Db db, byte[] tokenHash) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT status FROM refresh_tokens WHERE token_hash = ?")) {
                ps.setBytes(1, tokenHash);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    private static String successorOf(Db db, byte[] tokenHash) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT encode(token_hash, 'hex') FROM refresh_tokens WHERE parent_hash = ?")) {
                ps.setBytes(1, tokenHash);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    String hex = rs.getString(1);
                    assertThat(rs.next()).as("one successor").isFalse();
                    return hex;
                }
            }
        });
    }

    private static long count(Db db, String sql) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
