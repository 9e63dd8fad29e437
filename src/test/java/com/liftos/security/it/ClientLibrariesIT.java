package com.liftos.security.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client libraries' own test suites, run against the packaged jar started as a separate process on a fresh
 * schema of the test database (Redis too when {@code TEST_REDIS_URL} is set): {@code clients/python/run-tests.sh}
 * (a virtual environment, pinned packages from PyPI, pytest), the {@code clients/java} Maven project
 * ({@code verify}) and the npm {@code jose} conformance check ({@code clients/node-jose-conformance}, jose pinned in its
 * lock file). Each suite is given the service's URL and its bootstrap super admin and must exit 0; its output
 * is printed (and kept under {@code target/client-tests/}).
 */
class ClientLibrariesIT {
    static final String ADMIN_EMAIL = "clients-admin@example.test";
    static final String ADMIN_PASSWORD = "Clients-Adm1n-Password!";

    @TempDir
    static Path dir;
    static Process service;
    static String url;

    @BeforeAll
    static void start() throws Exception {
        int port = PackagedJarIT.freePort();
        url = "http://127.0.0.1:" + port;
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "-XX:+UseSerialGC", "-Xmx384m", "--enable-native-access=ALL-UNNAMED",
                "-jar", System.getProperty("liftos.jar", "target/liftos-security.jar"), "serve")
                .redirectErrorStream(true).redirectOutput(dir.resolve("service.log").toFile());
        Map<String, String> env = pb.environment();
        env.put("DATABASE_URL", TestDatabase.fresh().databaseUrl());
        env.put("LIFTOS_DATA_DIR", dir.resolve("data").toString());
        env.put("LIFTOS_HTTP_PORT", Integer.toString(port));
        env.put("LIFTOS_PUBLIC_URL", url);
        env.put("LIFTOS_DB_POOL_SIZE", "6");
        env.put("LIFTOS_BOOTSTRAP_ORG", "Clients Org");
        env.put("LIFTOS_BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL);
        env.put("LIFTOS_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("LIFTOS_ARGON2_MEMORY_KIB", "8192");
        env.put("LIFTOS_ARGON2_ITERATIONS", "1");
        env.put("SECURITY_RATE_LIMITING_ENABLED", "false");
        String redis = System.getenv("TEST_REDIS_URL");
        if (redis != null && !redis.isBlank()) {
            env.put("REDIS_URL", redis);
        }
        service = pb.start();
        waitForHealth(Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() throws Exception {
        if (service != null) {
            PackagedJarIT.stop(service);
        }
    }

    @Test
    void thePythonPackagePassesItsTestsAgainstTheService() throws Exception {
        run("python", List.of("bash", "clients/python/run-tests.sh", "-q", "-rA"), Duration.ofMinutes(15));
    }

    @Test
    void npmJoseVerifiesTheServicesTokens() throws Exception {
        run("node-jose", List.of("bash", "clients/node-jose-conformance/run-tests.sh"), Duration.ofMinutes(10));
    }

    @Test
    void theJvmLibraryPassesItsTestsAgainstTheService() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("./mvnw", "-B", "-f", "clients/java/pom.xml", "verify"));
        if (System.getProperty("liftos.mvn.offline", "").equals("offline=true")) {
            cmd.add("-o");
        }
        run("java", cmd, Duration.ofMinutes(15));
    }

    private static void run(String name, List<String> cmd, Duration timeout) throws Exception {
        Path out = Path.of("target", "client-tests", name + ".log");
        Files.createDirectories(out.getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        Map<String, String> env = pb.environment();
        env.put("LIFTOS_TEST_URL", url);
        env.put("LIFTOS_TEST_ADMIN_EMAIL", ADMIN_EMAIL);
        env.put("LIFTOS_TEST_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("JAVA_HOME", Path.of(ProcessHandle.current().info().command().orElseThrow()).getParent().getParent().toString());
        Process p = pb.start();
        boolean done = p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String log = Files.readString(out);
        System.out.println("---- " + name + " client tests ----\n" + log);
        assertThat(done).as(name + " client tests finished within " + timeout).isTrue();
        assertThat(p.exitValue()).as(name + " client tests failed:\n" + tail(log)).isZero();
    }

    private static String tail(String log) {
        return log.length() <= 6000 ? log : log.substring(log.length() - 6000);
    }

    private static void waitForHealth(Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(service.isAlive()).as("service exited early: " + Files.readString(dir.resolve("service.log"))).isTrue();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/health"))
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
}
