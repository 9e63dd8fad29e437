package com.liftos.security.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.config.ConfigLoader;
import com.liftos.security.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LiftosCommand.execute(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Map<String, String> env(TestDatabase.Schema schema) {
        Map<String, String> env = new HashMap<>();
        env.put("LIFTOS_DATA_DIR", dir.resolve("data").toString());
        env.put("DATABASE_URL", schema.databaseUrl());
        return env;
    }

    @Test
    void helpListsTheCommands() {
        Run r = run(Map.of(), "--help");
        assertThat(r.code).isZero();
        assertThat(r.out).contains("serve").contains("setup").contains("migrate");
    }

    @Test
    void versionPrintsTheVersion() {
        Run r = run(Map.of(), "--version");
        assertThat(r.code).isZero();
        assertThat(r.out).startsWith("liftos ");
    }

    @Test
    void unknownOptionIsOneLineAndNonZero() {
        Run r = run(Map.of(), "--bogus");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err.strip().lines()).hasSize(1);
        assertThat(r.err).contains("Unknown option").contains("--bogus");
    }

    @Test
    void malformedDatabaseUrlNamesTheVariableWithoutEchoingIt() {
        Run r = run(Map.of("DATABASE_URL", "mysql://root:s3cretCanary@db/x"), "migrate");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("DATABASE_URL").doesNotContain("s3cretCanary").doesNotContain("\tat ");
    }

    @Test
    void everyInvalidVariableGetsItsOwnLine() {
        Run r = run(Map.of("LIFTOS_HTTP_PORT", "eighty", "SECURITY_REQUIRE_HTTPS", "maybe", "REDIS_URL", "http://x"), "migrate");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("LIFTOS_HTTP_PORT: must be a whole number")
                .contains("SECURITY_REQUIRE_HTTPS: must be true or false")
                .contains("REDIS_URL: expected redis://");
    }

    @Test
    void unreachableDatabaseIsOneLine() {
        Run r = run(Map.of("DATABASE_URL", "postgresql://postgres:pw@127.0.0.1:1/liftos"), "migrate");
        assertThat(r.code).isEqualTo(1);
        assertThat(r.err).contains("database unreachable").doesNotContain("pw@").doesNotContain("\tat ");
        assertThat(r.err.strip().lines()).hasSize(1);
    }

    @Test
    void setupCreatesTheMasterKeyTheKeysInTheDatabaseConfigAndTemplateAndKeepsThemOnRerun() throws Exception {
        TestDatabase.Schema schema = TestDatabase.fresh();
        UUID org = UUID.randomUUID();
        Path template = dir.resolve(".env.template");
        Run first = run(env(schema), "setup", org.toString(), "--env-template", template.toString());
        assertThat(first.code).as(first.err).isZero();
        Path keys = dir.resolve("data/keys");
        // the master key is the only key file; everything else is in the database
        try (var files = Files.list(keys)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).containsExactly("master_encryption_key.txt");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("master_encryption_key.txt"))))
                .isEqualTo("rw-------");
        byte[] master = Files.readAllBytes(keys.resolve("master_encryption_key.txt"));
        assertThat(first.out).contains("Master encryption key generated").contains("service key created in the database keyring")
                .contains("audit signing key created in the database keyring").contains("JWT signing keys");
        // the exact Secret the Kubernetes manifest mounts, made from the file: the key itself is never printed
        assertThat(first.out).contains("kubectl create secret generic liftos-security-master-key --from-file=master_encryption_key.txt="
                + keys.resolve("master_encryption_key.txt").toAbsolutePath());
        assertThat(first.out).doesNotContain(new String(master, StandardCharsets.US_ASCII).strip());
        String manifest = Files.readString(Path.of("deploy/kubernetes/deployment.yaml"));
        assertThat(manifest).contains("secretName: liftos-security-master-key")
                .contains("MASTER_ENCRYPTION_KEY_PATH, value: /etc/liftos/master-key/master_encryption_key.txt")
                .doesNotContain("JWT_PRIVATE_KEY_PATH").doesNotContain("LIFTOS_SERVICE_KEY_PATH");
        String tmpl = Files.readString(template);
        for (ConfigLoader.Variable v : ConfigLoader.VARIABLES) {
            assertThat(tmpl).contains(v.name() + "=");
        }
        try (Connection c = DriverManager.getConnection(schema.jdbcUrl(), schema.user().orElse(null), schema.password().orElse(null));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT config->>'max_concurrent_sessions', config->>'session_timeout_minutes', "
                     + "config->'api_rate_limits'->'auth'->>'limit', config->'password_policy'->>'min_length', "
                     + "config->>'audit_retention_days', config->'compliance_settings'->>'soc2_compliance', config->>'require_mfa' "
                     + "FROM org_security_config WHERE org_id = '" + org + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("3");
            assertThat(rs.getString(2)).isEqualTo("480");
            assertThat(rs.getString(3)).isEqualTo("5");
            assertThat(rs.getString(4)).isEqualTo("12");
            assertThat(rs.getString(5)).isEqualTo("365");
            assertThat(rs.getString(6)).isEqualTo("true");
            assertThat(rs.getString(7)).isEqualTo("false");
        }

        Run second = run(env(schema), "setup", org.toString(), "--env-template", template.toString());
        assertThat(second.code).as(second.err).isZero();
        assertThat(second.out).contains("Master encryption key kept").contains("kept with its security configuration")
                .doesNotContain("created in the database keyring");
        assertThat(jwksKids(first.out)).isEqualTo(jwksKids(second.out));
        assertThat(Files.readAllBytes(keys.resolve("master_encryption_key.txt"))).isEqualTo(master);
    }

    private static String jwksKids(String setupOutput) {
        return setupOutput.lines().filter(l -> l.contains("JWT signing keys")).findFirst().orElseThrow();
    }

    @Test
    void migrateStatusListsAppliedMigrations() {
        TestDatabase.Schema schema = TestDatabase.fresh();
        assertThat(run(env(schema), "migrate").code).isZero();
        Run status = run(env(schema), "migrate", "status");
        assertThat(status.code).isZero();
        assertThat(status.out).contains("foundation").contains("Success");
    }

    @Test
    void worldReadableKeyFileIsRefused() throws Exception {
        TestDatabase.Schema schema = TestDatabase.fresh();
        assertThat(run(env(schema), "setup", "--env-template", dir.resolve("t").toString()).code).isZero();
        Path master = dir.resolve("data/keys/master_encryption_key.txt");
        Files.setPosixFilePermissions(master, PosixFilePermissions.fromString("rw-r--r--"));
        Run r = run(env(schema), "serve");
        assertThat(r.code).isEqualTo(1);
        assertThat(r.err).contains("readable by other users").contains("master_encryption_key.txt");
        assertThat(r.err).doesNotContain(Files.readString(master).strip());
    }

    @Test
    void portInUseIsOneLine() throws Exception {
        TestDatabase.Schema schema = TestDatabase.fresh();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Map<String, String> env = env(schema);
            env.put("LIFTOS_HTTP_PORT", Integer.toString(taken.getLocalPort()));
            env.put("LIFTOS_BOOTSTRAP_ADMIN_PASSWORD", "Sup3r-Secret-Pass!");
            Run r = run(env, "serve");
            assertThat(r.code).isEqualTo(1);
            assertThat(r.err).contains("cannot listen").doesNotContain("\tat ");
        }
    }

    @Test
    void weakBootstrapPasswordIsRefusedWithThePolicyRules() {
        TestDatabase.Schema schema = TestDatabase.fresh();
        Map<String, String> env = env(schema);
        env.put("LIFTOS_HTTP_PORT", "0");
        env.put("LIFTOS_BOOTSTRAP_ADMIN_PASSWORD", "short");
        Run r = run(env, "serve");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("LIFTOS_BOOTSTRAP_ADMIN_PASSWORD: Password must be at least 12 characters")
                .doesNotContain("short\n");
    }
}
