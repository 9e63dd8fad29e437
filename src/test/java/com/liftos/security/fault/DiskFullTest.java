package com.liftos.security.fault;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.OwnPostgres;
import com.liftos.security.testing.TestApp;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A disk that fills: the data files of a PostgreSQL the test owns live on a small tmpfs (its WAL elsewhere, as with
 * {@code initdb --waldir}, so PostgreSQL refuses writes instead of stopping), which the test fills. Writes get the
 * 503 with {@code Retry-After}, never a 500; reads keep working; once space is freed writes succeed again; and what
 * was stored before is intact (each secret reveals as written, the audit chain verifies).
 *
 * <p>Needs to mount a tmpfs (root): where it cannot, the test is aborted (reported as skipped) with the reason.
 */
class DiskFullTest {
    @Test
    void aFullDiskRefusesWritesWith503AndLosesNothing() throws Exception {
        Path root = Files.createTempDirectory("liftos-fault-disk");
        Path mount = Files.createDirectories(root.resolve("tmpfs"));
        mount(mount);
        try {
            run(root, mount);
        } finally {
            new ProcessBuilder("umount", "-l", mount.toString()).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void run(Path root, Path mount) throws Exception {
        Path filler = mount.resolve("filler");
        try (OwnPostgres pg = OwnPostgres.start(mount.resolve("pg"))) {
            pg.stop();
            Path wal = root.resolve("pg_wal");
            // another file system: mv copies the directory across
            Process mv = new ProcessBuilder("mv", mount.resolve("pg/pg_wal").toString(), wal.toString()).redirectErrorStream(true).start();
            assertThat(mv.waitFor(30, TimeUnit.SECONDS) && mv.exitValue() == 0).as("pg_wal moved off the tmpfs").isTrue();
            Files.createSymbolicLink(mount.resolve("pg/pg_wal"), wal);
            pg.start();
            try (TestApp app = TestApp.startOn(pg.schema(""), Map.of("LIFTOS_DB_POOL_SIZE", "4"))) {
                String admin = app.loginAdmin();
                UUID org = app.adminOrgId();
                String base = "/v1/orgs/" + org + "/credentials/klaviyo/";
                Map<String, String> stored = new LinkedHashMap<>();
                for (int i = 0; i < 20; i++) {
                    String key = "before-" + i;
                    String secret = "pk_before_" + i + "_" + UUID.randomUUID();
                    assertThat(app.putJson(base + key, app.body(Map.of("api_key", secret)), admin).statusCode()).isEqualTo(201);
                    stored.put(key, secret);
                }

                fill(filler);
                List<Integer> statuses = new ArrayList<>();
                HttpResponse<String> refused = null;
                for (int i = 0; i < 400 && refused == null; i++) {
                    String key = "full-" + i;
                    String secret = "pk_full_" + i + "_" + "x".repeat(2_000);
                    HttpResponse<String> r = app.putJson(base + key, app.body(Map.of("api_key", secret)), admin);
                    statuses.add(r.statusCode());
                    if (r.statusCode() == 201) {
                        stored.put(key, secret);
                    } else {
                        refused = r;
                    }
                }
                System.out.printf("[faults] disk full: %d writes accepted before the first refusal (%s)%n",
                        statuses.size() - 1, refused == null ? "none" : refused.statusCode());
                assertThat(refused).as("a write is refused once the disk is full").isNotNull();
                assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
                assertThat(refused.headers().firstValue("Retry-After")).isPresent();
                assertThat(app.json(refused).at("/error/code").asText()).isEqualTo("service_unavailable");
                // a write that finds room in a page already allocated still succeeds; one that needs a new page cannot
                for (int i = 0; i < 30; i++) {
                    String key = "still-full-" + i;
                    HttpResponse<String> r = app.putJson(base + key, app.body(Map.of("api_key", "pk_still_" + i + "x".repeat(2_000))), admin);
                    assertThat(r.statusCode()).as("while the disk is full: %s", r.body()).isIn(201, 503);
                    statuses.add(r.statusCode());
                    if (r.statusCode() == 201) {
                        stored.put(key, "pk_still_" + i + "x".repeat(2_000));
                    }
                }
                HttpResponse<String> list = app.get("/v1/orgs/" + org + "/credentials", admin);
                assertThat(list.statusCode()).as("reads keep working: %s", list.body()).isEqualTo(200);
                System.out.printf("[faults] disk full: of %d writes while full, %d refused with 503 (none other than 201/503); reads 200%n",
                        statuses.size(), statuses.stream().filter(s -> s == 503).count());

                Files.delete(filler);
                long freed = System.nanoTime();
                int status = 0;
                while (status != 201 && System.nanoTime() - freed < Duration.ofSeconds(20).toNanos()) {
                    HttpResponse<String> r = app.putJson(base + "after", app.body(Map.of("api_key", "pk_after")), admin);
                    status = r.statusCode();
                    assertThat(status).as(r.body()).isIn(201, 503);
                    if (status != 201) {
                        Thread.sleep(100);
                    }
                }
                System.out.printf("[faults] disk full: space freed -> first accepted write in %d ms%n",
                        Duration.ofNanos(System.nanoTime() - freed).toMillis());
                assertThat(status).as("writes succeed again once space is freed").isEqualTo(201);
                stored.put("after", "pk_after");

                stored.forEach((key, secret) -> {
                    HttpResponse<String> r = app.get(base + key + "/secret", admin);
                    assertThat(r.statusCode()).as("%s: %s", key, r.body()).isEqualTo(200);
                    assertThat(app.json(r).at("/credentials/api_key").asText()).as(key).isEqualTo(secret);
                });
                HttpResponse<String> verify = app.postJson("/v1/orgs/" + org + "/audit/verify", "{}", admin);
                assertThat(app.json(verify).get("status").asText()).as(verify.body()).isEqualTo("intact");
            }
        } finally {
            Files.deleteIfExists(filler);
        }
    }

    /** Mounts a small tmpfs on {@code dir}, or aborts the test saying why it cannot. */
    private static void mount(Path dir) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", dir.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("cannot run mount to put PostgreSQL on a small tmpfs: " + e.getMessage());
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        Assumptions.assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0,
                "cannot mount a tmpfs for the disk-full test (needs root): " + out);
    }

    /** Writes {@code file} until the file system has no space left. */
    private static void fill(Path file) throws IOException {
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) {
                throw full;
            }
        }
    }
}
