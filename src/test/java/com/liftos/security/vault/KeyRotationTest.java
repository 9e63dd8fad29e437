package com.liftos.security.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.liftos.security.audit.SecurityEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * Master-key and data-key rotation run as the real CLI in a child JVM, killed with SIGKILL mid-way, then run again.
 */
class KeyRotationTest {
    static final Caller SERVICE = new Caller(Optional.of(UUID.randomUUID()), SecurityEvent.ActorType.SERVICE_ACCOUNT,
            Optional.of("198.51.100.4"), Optional.empty(), Optional.empty());

    record Cred(UUID org, String keyName, String apiKey) {}

    @Test
    void masterKeyRotationKilledMidwayResumesAndEndsWithEverythingDecryptable() throws Exception {
        try (VaultFixture fx = new VaultFixture(6)) {
            Vault oldService = fx.open();
            List<Cred> creds = seed(fx, oldService, 20, 3);
            UUID secretOrg = creds.get(0).org();
            byte[] sealedSecret = oldService.secrets().seal(secretOrg, "mfa.totp:u1", "totp-seed".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            Path newKey = fx.newRawKeyFile("new-master.key");

            Process first = cli(fx, Map.of("LIFTOS_VAULT_TEST_PAUSE_MS", "150"), "first.log",
                    "vault", "rotate-master-key", "--new-key-file", newKey.toString());
            LongSupplier rewrapped = () -> fx.count("SELECT count(*) FROM vault_wrapped_keys WHERE kek_id = 2");
            waitUntil(() -> rewrapped.getAsLong() >= 4, first, fx.dir.resolve("first.log"));
            first.destroyForcibly();
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();

            long done = rewrapped.getAsLong();
            assertThat(done).as("killed mid-way").isBetween(1L, 19L);
            assertThat(fx.count("SELECT count(*) FROM vault_keks WHERE id = 2 AND state = 'pending'")).isEqualTo(1);
            assertThat(fx.count("SELECT count(*) FROM vault_keks WHERE id = 1 AND state = 'active'")).isEqualTo(1);

            // reads keep working during the rotation, also in a process that starts now with the old key
            Vault restartedOld = fx.open();
            for (Cred c : creds) {
                assertThat(reveal(restartedOld, c)).isEqualTo(c.apiKey());
            }
            // a new organization's first key, created mid-rotation under the old KEK, is picked up by the resumed run
            UUID lateOrg = fx.newOrg();
            assertThat(restartedOld.storeCredentialsInVault(lateOrg, "klaviyo", "late", Map.of("api_key", "pk_late"), SERVICE))
                    .isInstanceOf(VaultResult.Ok.class);
            creds.add(new Cred(lateOrg, "late", "pk_late"));
            // the new key cannot serve until the rotation is finished
            assertThatThrownBy(() -> fx.open(newKey)).isInstanceOf(MasterKeyMismatchException.class).hasMessageContaining("unfinished");

            Process second = cli(fx, Map.of(), "second.log", "vault", "rotate-master-key", "--new-key-file", newKey.toString());
            assertThat(second.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String log = Files.readString(fx.dir.resolve("second.log"));
            assertThat(second.exitValue()).as(log).isZero();
            assertThat(log).contains("resuming").contains("finished");

            assertThat(fx.count("SELECT count(*) FROM vault_keks WHERE id = 2 AND state = 'active'")).isEqualTo(1);
            assertThat(fx.count("SELECT count(*) FROM vault_keks WHERE id = 1 AND state = 'retired'")).isEqualTo(1);
            assertThat(fx.count("SELECT count(*) FROM vault_wrapped_keys WHERE kek_id = 1")).isZero();
            assertThat(fx.count("SELECT count(*) FROM vault_wrapped_keys WHERE kek_id = 2")).isEqualTo(21);

            Vault newService = fx.open(newKey);
            for (Cred c : creds) {
                assertThat(reveal(newService, c)).isEqualTo(c.apiKey());
            }
            assertThat(newService.secrets().open(secretOrg, "mfa.totp:u1", sealedSecret)).asString().isEqualTo("totp-seed");
            assertThatThrownBy(fx::open).isInstanceOf(MasterKeyMismatchException.class).hasMessageContaining("retired");
            assertThat(fx.auditText()).contains("master_key_rotation_started").contains("master_key_rotated");

            Process third = cli(fx, Map.of(), "third.log", "vault", "rotate-master-key", "--new-key-file", newKey.toString());
            assertThat(third.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(third.exitValue()).isZero();
            assertThat(Files.readString(fx.dir.resolve("third.log"))).contains("already rotated");
        }
    }

    @Test
    void rotationWithTheWrongCurrentKeyIsRefusedWithOneLine() throws Exception {
        try (VaultFixture fx = new VaultFixture(4)) {
            seed(fx, fx.open(), 1, 1);
            Path notCurrent = fx.newRawKeyFile("not-current.key");
            Path target = fx.newRawKeyFile("target.key");
            Process p = cli(fx, Map.of("MASTER_ENCRYPTION_KEY_PATH", notCurrent.toString()), "wrong.log",
                    "vault", "rotate-master-key", "--new-key-file", target.toString());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String log = Files.readString(fx.dir.resolve("wrong.log"));
            assertThat(p.exitValue()).isNotZero();
            assertThat(log.lines().filter(l -> l.startsWith("liftos: "))).singleElement().asString().contains("not the active master key");
            assertThat(log).doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(fx.count("SELECT count(*) FROM vault_keks")).isEqualTo(1);
        }
    }

    @Test
    void dataKeyRotationKilledMidwayResumesAndReSealsEverything() throws Exception {
        try (VaultFixture fx = new VaultFixture(6)) {
            Vault service = fx.open();
            List<Cred> creds = seed(fx, service, 1, 30);
            UUID org = creds.get(0).org();
            creds.forEach(c -> reveal(service, c)); // warm the service's key cache with data key 1

            Process first = cli(fx, Map.of("LIFTOS_VAULT_TEST_PAUSE_MS", "100"), "dk1.log", "vault", "rotate-data-keys", "--org", org.toString());
            LongSupplier resealed = () -> fx.count("SELECT count(*) FROM vault_credential_versions WHERE org_id = ? AND data_key_version = 2", org);
            waitUntil(() -> resealed.getAsLong() >= 3, first, fx.dir.resolve("dk1.log"));
            first.destroyForcibly();
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(resealed.getAsLong()).isBetween(1L, 29L);
            for (Cred c : creds) {
                assertThat(reveal(service, c)).isEqualTo(c.apiKey());
            }

            Process second = cli(fx, Map.of(), "dk2.log", "vault", "rotate-data-keys", "--org", org.toString());
            assertThat(second.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String log = Files.readString(fx.dir.resolve("dk2.log"));
            assertThat(second.exitValue()).as(log).isZero();
            assertThat(log).contains("resuming");
            assertThat(resealed.getAsLong()).isEqualTo(30);
            assertThat(fx.count("SELECT count(*) FROM vault_data_keys WHERE org_id = ?", org)).isEqualTo(2);
            for (Cred c : creds) {
                assertThat(reveal(service, c)).isEqualTo(c.apiKey());
                assertThat(reveal(fx.open(), c)).isEqualTo(c.apiKey());
            }
            // new writes use the new data key
            service.rotateCredentials(org, "klaviyo", creds.get(0).keyName(), Map.of("api_key", "pk_after"), SERVICE);
            assertThat(fx.count("SELECT max(data_key_version) FROM vault_credential_versions WHERE org_id = ?", org)).isEqualTo(2);
            assertThat(fx.auditText()).contains("data_key_rotated");
        }
    }

    static List<Cred> seed(VaultFixture fx, Vault vault, int orgs, int perOrg) {
        List<Cred> creds = new ArrayList<>();
        for (int o = 0; o < orgs; o++) {
            UUID org = fx.newOrg();
            for (int i = 0; i < perOrg; i++) {
                String value = "pk_" + UUID.randomUUID().toString().replace("-", "");
                Cred c = new Cred(org, "key" + i, value);
                assertThat(vault.storeCredentialsInVault(org, "klaviyo", c.keyName(), Map.of("api_key", value), SERVICE)).isInstanceOf(VaultResult.Ok.class);
                creds.add(c);
            }
        }
        return creds;
    }

    static String reveal(Vault vault, Cred c) {
        VaultResult<Revealed> r = vault.getCredentials(c.org(), "klaviyo", c.keyName(), SERVICE);
        assertThat(r).as(c.toString()).isInstanceOf(VaultResult.Ok.class);
        return ((VaultResult.Ok<Revealed>) r).value().fields().revealValues().get("api_key");
    }

    /** The real CLI ({@code com.liftos.security.Main}) in a child JVM on the test classpath. */
    static Process cli(VaultFixture fx, Map<String, String> env, String logName, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
                "-cp", cp, "com.liftos.security.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(fx.dir.toFile()).redirectErrorStream(true)
                .redirectOutput(fx.dir.resolve(logName).toFile());
        pb.environment().put("DATABASE_URL", fx.schema.databaseUrl());
        pb.environment().put("LIFTOS_DATA_DIR", fx.dir.resolve("data").toString());
        pb.environment().put("MASTER_ENCRYPTION_KEY_PATH", fx.keyFile.toString());
        pb.environment().put("LIFTOS_LOG_LEVEL", "WARN");
        pb.environment().putAll(env);
        return pb.start();
    }

    static void waitUntil(java.util.function.BooleanSupplier condition, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.getAsBoolean()) {
            if (!p.isAlive()) {
                throw new AssertionError("child exited early (" + p.exitValue() + "): " + Files.readString(log));
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError("condition not reached: " + Files.readString(log));
            }
            Thread.sleep(20);
        }
    }
}
