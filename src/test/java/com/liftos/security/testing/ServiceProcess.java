package com.liftos.security.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service as a child process of the test (the test classpath's {@code Main serve}), on a test schema, for tests
 * that kill it: fast password hashing, rate limiting off, a port of its own read from its start-up line.
 */
public record ServiceProcess(Process process, int port) {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

    /**
     * Starts one and waits until it listens. {@code sharedKeys}: another instance's key directory, so both hold the
     * same keys; {@code extra}: variables over the defaults.
     */
    public static ServiceProcess start(TestDatabase.Schema schema, Path data, Optional<Path> sharedKeys, Map<String, String> extra)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "com.liftos.security.Main", "serve").redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("DATABASE_URL", schema.databaseUrl());
        env.put("LIFTOS_DATA_DIR", data.toString());
        env.put("LIFTOS_HTTP_PORT", "0");
        env.put("LIFTOS_DB_POOL_SIZE", "4");
        env.put("LIFTOS_BOOTSTRAP_ADMIN_EMAIL", TestApp.ADMIN_EMAIL);
        env.put("LIFTOS_BOOTSTRAP_ADMIN_PASSWORD", TestApp.ADMIN_PASSWORD);
        env.put("LIFTOS_ARGON2_MEMORY_KIB", "8192");
        env.put("LIFTOS_ARGON2_ITERATIONS", "1");
        env.put("SECURITY_RATE_LIMITING_ENABLED", "false");
        sharedKeys.ifPresent(keys -> {
            env.put("JWT_PRIVATE_KEY_PATH", keys.resolve("jwt_private_key.pem").toString());
            env.put("JWT_PUBLIC_KEY_PATH", keys.resolve("jwt_public_key.pem").toString());
            env.put("MASTER_ENCRYPTION_KEY_PATH", keys.resolve("master_encryption_key.txt").toString());
            env.put("LIFTOS_SERVICE_KEY_PATH", keys.resolve("service_key.txt").toString());
        });
        env.putAll(extra);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        int port = -1;
        long deadline = System.currentTimeMillis() + 90_000;
        String line;
        while (port < 0 && System.currentTimeMillis() < deadline && (line = out.readLine()) != null) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
            }
        }
        assertThat(port).as("service started").isPositive();
        Thread.ofPlatform().daemon(true).start(() -> {
            try {
                while (out.readLine() != null) {
                    // keep the pipe flowing
                }
            } catch (IOException ignored) {
                // the process was killed
            }
        });
        return new ServiceProcess(p, port);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }
}
