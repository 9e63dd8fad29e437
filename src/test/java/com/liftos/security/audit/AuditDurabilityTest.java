package com.liftos.security.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.store.Db;
import com.liftos.security.testing.TestApp;
import com.liftos.security.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** SIGKILL right after events were acknowledged (or responses sent) loses none of them; chains stay verifiable. */
class AuditDurabilityTest {

    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    @Test
    void sigkillAfterAcknowledgementLosesNoEvent() throws Exception {
        TestDatabase.Schema schema = TestDatabase.fresh();
        try (HikariDataSource ds = schema.dataSource(4)) {
            UUID org = UUID.randomUUID();
            Process child = new ProcessBuilder(java(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                    AuditCrashChild.class.getName(), schema.jdbcUrl(), schema.user().orElse("-"), schema.password().orElse("-"),
                    org.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            Set<UUID> acked = new HashSet<>();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while (acked.size() < 3_000 && (line = in.readLine()) != null) {
                    if (line.startsWith("ACK ")) {
                        acked.add(UUID.fromString(line.substring(4)));
                    }
                }
                child.destroyForcibly();
            } catch (java.io.IOException e) {
                // the stream closes with the killed process
            }
            child.waitFor();
            assertThat(acked).hasSizeGreaterThanOrEqualTo(3_000);
            Set<UUID> stored = new Db(ds).run(c -> {
                Set<UUID> ids = new HashSet<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT event_id FROM audit_events WHERE event_id = ANY (?)")) {
                    ps.setArray(1, c.createArrayOf("uuid", acked.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ids.add(rs.getObject(1, UUID.class));
                        }
                    }
                }
                return ids;
            });
            assertThat(stored).containsAll(acked);
            List<ChainStatus> chains = new ChainVerifier(new Db(ds), Optional.empty()).verifyAll();
            assertThat(chains).hasSize(2).allMatch(ChainStatus::intact);
        }
    }

    @Test
    void sigkillOfTheServiceRightAfterResponsesLosesNoLoginFailureEvent() throws Exception {
        TestDatabase.Schema schema = TestDatabase.fresh();
        Path data = Files.createTempDirectory("liftos-audit-crash");
        ProcessBuilder pb = new ProcessBuilder(java(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "com.liftos.security.Main", "serve").redirectErrorStream(true);
        pb.environment().put("DATABASE_URL", schema.databaseUrl());
        pb.environment().put("LIFTOS_DATA_DIR", data.toString());
        pb.environment().put("LIFTOS_HTTP_PORT", "0");
        pb.environment().put("LIFTOS_BOOTSTRAP_ADMIN_EMAIL", TestApp.ADMIN_EMAIL);
        pb.environment().put("LIFTOS_BOOTSTRAP_ADMIN_PASSWORD", TestApp.ADMIN_PASSWORD);
        pb.environment().put("LIFTOS_ARGON2_MEMORY_KIB", "8192");
        pb.environment().put("LIFTOS_ARGON2_ITERATIONS", "1");
        // Every 401 must then be a LOGIN_FAILURE written before the answer (no 429 short-cut).
        pb.environment().put("SECURITY_RATE_LIMITING_ENABLED", "false");
        // Each failure comes from its own forwarded address, so the credential-stuffing detector does not block
        // the test client (a 403 ip_blocked writes no LOGIN_FAILURE).
        pb.environment().put("LIFTOS_TRUSTED_PROXIES", "127.0.0.1/32");
        Process service = pb.start();
        int port = -1;
        Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
        BufferedReader out = new BufferedReader(new InputStreamReader(service.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.currentTimeMillis() + 90_000;
        String line;
        while (port < 0 && System.currentTimeMillis() < deadline && (line = out.readLine()) != null) {
            Matcher m = listening.matcher(line);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
            }
        }
        assertThat(port).as("service started").isPositive();
        Thread drain = Thread.ofPlatform().daemon(true).start(() -> {
            try {
                while (out.readLine() != null) {
                    // keep the pipe flowing
                }
            } catch (java.io.IOException ignored) {
                // the process was killed
            }
        });
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger attempt = new AtomicInteger();
        URI login = URI.create("http://127.0.0.1:" + port + "/v1/auth/login");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            futures.add(pool.submit(() -> {
                long until = System.currentTimeMillis() + 60_000;
                while (answered.get() < 60 && System.currentTimeMillis() < until) {
                    try {
                        // Unknown accounts: no lockout, one LOGIN_FAILURE each.
                        String body = "{\"email\":\"nobody-" + attempt.incrementAndGet() + "@example.test\",\"password\":\"Wrong-Password-99!\"}";
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(login).header("Content-Type", "application/json")
                                .header("X-Forwarded-For", "203.0.113." + (1 + attempt.get() % 250)).timeout(Duration.ofSeconds(10))
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 401) {
                            answered.incrementAndGet();
                        }
                    } catch (java.io.IOException e) {
                        return null;
                    }
                }
                return null;
            }));
        }
        for (var f : futures) {
            f.get();
        }
        int responses = answered.get();
        service.destroyForcibly();
        service.waitFor();
        pool.shutdown();
        drain.join(5_000);
        try (HikariDataSource ds = schema.dataSource(2)) {
            long events = new Db(ds).run(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT count(*) FROM audit_events WHERE event_type = 'LOGIN_FAILURE'");
                     ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            assertThat(responses).isGreaterThanOrEqualTo(60);
            assertThat(events).isGreaterThanOrEqualTo(responses);
            assertThat(new ChainVerifier(new Db(ds), Optional.empty()).verifyAll()).allMatch(ChainStatus::intact);
        }
    }
}
