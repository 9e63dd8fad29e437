package com.liftos.security.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.liftos.security.audit.JdbcAuditLog;
import com.liftos.security.crypto.Aead;
import com.liftos.security.crypto.InsecureKeyAccess;
import com.liftos.security.crypto.KeyFiles;
import com.liftos.security.http.Json;
import com.liftos.security.org.Organizations;
import com.liftos.security.store.Db;
import com.liftos.security.testing.LogCapture;
import com.liftos.security.testing.TestDatabase;
import com.liftos.security.vault.Caller;
import com.liftos.security.vault.MasterKeyMismatchException;
import com.liftos.security.vault.MasterKeyRotation;
import com.liftos.security.vault.Vault;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The instance keyring against the real PostgreSQL: created exactly once by concurrent first starts, opened only as
 * the purpose and under the master key term it was wrapped for, imported from an earlier release's files, refused
 * when a file disagrees or a key is lost, and carried along by a master-key rotation that can be interrupted.
 */
class InstanceKeysTest {
    static final SecureRandom RANDOM = new SecureRandom();

    HikariDataSource dataSource;
    Db db;
    Path dir;
    Path masterFile;
    InstanceKeys.LegacyFiles noFiles;

    @BeforeEach
    void fresh() throws Exception {
        dataSource = TestDatabase.fresh().dataSource(16);
        db = new Db(dataSource);
        dir = Files.createTempDirectory("instance-keys");
        masterFile = rawKeyFile("master.key");
        noFiles = new InstanceKeys.LegacyFiles(dir.resolve("none/service_key.txt"), dir.resolve("none/audit_signing_key.txt"));
    }

    @AfterEach
    void close() {
        dataSource.close();
    }

    Path rawKeyFile(String name) throws Exception {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        Path p = dir.resolve(name);
        KeyFiles.writeNew(p, (Base64.getEncoder().encodeToString(k) + "\n").getBytes(StandardCharsets.US_ASCII));
        return p;
    }

    MasterKeyTerm master() {
        return Vault.unlock(db, masterFile, RANDOM);
    }

    InstanceKeys open(MasterKeyTerm master, InstanceKeys.LegacyFiles files, boolean mayCreate, List<String> report) {
        return InstanceKeys.open(db, master, files, () -> mayCreate, RANDOM, report::add);
    }

    long count(String sql) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    byte[] wrapped(String purpose) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT wrapped FROM keyring_keys WHERE purpose = ?")) {
                ps.setString(1, purpose);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBytes(1);
                }
            }
        });
    }

    void setWrapped(String purpose, byte[] wrapped) {
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE keyring_keys SET wrapped = ? WHERE purpose = ?")) {
                ps.setBytes(1, wrapped);
                ps.setString(2, purpose);
                return ps.executeUpdate();
            }
        });
    }

    static String text(KeyMaterial k) {
        return new String(k.bytes(InsecureKeyAccess.get()), StandardCharsets.UTF_8);
    }

    @Test
    void concurrentFirstStartsCreateEachKeyExactlyOnceAndAllReadTheSame() throws Exception {
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<InstanceKeys>> starts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            starts.add(pool.submit(() -> {
                go.await();
                return open(Vault.unlock(db, masterFile, RANDOM), noFiles, true, new ArrayList<>());
            }));
        }
        go.countDown();
        List<InstanceKeys> all = new ArrayList<>();
        for (Future<InstanceKeys> f : starts) {
            all.add(f.get());
        }
        pool.shutdown();
        for (InstanceKeys k : all) {
            assertThat(k.service()).isEqualTo(all.get(0).service());
            assertThat(k.auditSigning()).isEqualTo(all.get(0).auditSigning());
        }
        assertThat(count("SELECT count(*) FROM keyring_keys")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM keyring_keys WHERE kek_id = 1 AND origin = 'generated'")).isEqualTo(2);
        // the forms an earlier release wrote: base64 text of 32 bytes, 32 raw bytes
        assertThat(Base64.getDecoder().decode(text(all.get(0).service()))).hasSize(32);
        assertThat(all.get(0).auditSigning().bytes(InsecureKeyAccess.get())).hasSize(32);
        assertThat(all.get(0).service()).isNotEqualTo(all.get(0).auditSigning());
    }

    @Test
    void aWrappedKeyOpensOnlyUnchangedAsItsPurposeAndUnderItsTerm() {
        InstanceKeys keys = open(master(), noFiles, true, new ArrayList<>());
        byte[] service = wrapped("service");
        byte[] audit = wrapped("audit_signing");
        assertThat(service[0]).isEqualTo(Aead.FORMAT_V1);
        assertThat(Aead.keyId(service)).as("the header names the master key term").isEqualTo(1);
        for (int i = 0; i < service.length; i++) {
            byte[] flipped = service.clone();
            flipped[i] ^= 0x01;
            setWrapped("service", flipped);
            assertThatThrownBy(() -> open(master(), noFiles, true, new ArrayList<>())).as("byte " + i)
                    .isInstanceOf(KeyringException.class).hasMessageContaining("service key").hasMessageContaining("does not open");
        }
        // the audit key's blob in the service key's row: the purpose is associated data
        setWrapped("service", audit);
        assertThatThrownBy(() -> open(master(), noFiles, true, new ArrayList<>())).isInstanceOf(KeyringException.class);
        setWrapped("service", service);
        assertThat(open(master(), noFiles, true, new ArrayList<>()).service()).isEqualTo(keys.service());
    }

    @Test
    void anEarlierReleasesFilesAreImportedOnceAndADisagreeingFileStopsTheInstance() throws Exception {
        Path serviceFile = dir.resolve("service_key.txt");
        Path auditFile = dir.resolve("audit_signing_key.txt");
        byte[] rawAudit = new byte[32];
        RANDOM.nextBytes(rawAudit);
        KeyFiles.writeNew(serviceFile, "c2VydmljZS1rZXktb2YtYW4tZWFybGllci1yZWxlYXNlIQ==\n".getBytes(StandardCharsets.US_ASCII));
        KeyFiles.writeNew(auditFile, (Base64.getEncoder().encodeToString(rawAudit) + "\n").getBytes(StandardCharsets.US_ASCII));
        InstanceKeys.LegacyFiles files = new InstanceKeys.LegacyFiles(serviceFile, auditFile);

        List<String> report = new ArrayList<>();
        // an earlier release's database: data exists, so nothing may be created, but files are imported
        InstanceKeys keys = open(master(), files, false, report);
        assertThat(text(keys.service())).isEqualTo("c2VydmljZS1rZXktb2YtYW4tZWFybGllci1yZWxlYXNlIQ==");
        assertThat(keys.auditSigning().bytes(InsecureKeyAccess.get())).isEqualTo(rawAudit);
        assertThat(report).anySatisfy(l -> assertThat(l).startsWith("service key imported from " + serviceFile))
                .anySatisfy(l -> assertThat(l).startsWith("audit signing key imported from " + auditFile));
        assertThat(count("SELECT count(*) FROM keyring_keys WHERE origin = 'imported'")).isEqualTo(2);

        // again: nothing to import, the files are said to be unneeded
        report.clear();
        assertThat(open(master(), files, false, report).service()).isEqualTo(keys.service());
        assertThat(report).hasSize(2).allSatisfy(l -> assertThat(l).contains("no longer read and can be deleted"));

        // without the files: the database's keys
        assertThat(open(master(), noFiles, false, new ArrayList<>()).auditSigning()).isEqualTo(keys.auditSigning());

        // a file that disagrees: one line naming the file, never either key
        Files.delete(serviceFile);
        KeyFiles.writeNew(serviceFile, "YW5vdGhlci1zZXJ2aWNlLWtleS1ub3QtdGhlLWRhdGFiYXNlcw==\n".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> open(master(), files, false, new ArrayList<>())).isInstanceOf(KeyringException.class)
                .hasMessageContaining(serviceFile + " holds a different service key than the database keyring")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("YW5vdGhlci1zZXJ2aWNlLWtleS1ub3Qt")
                        .doesNotContain("c2VydmljZS1rZXktb2YtYW4tZWFybGllci1yZWxlYXNlIQ").doesNotContain("\n"));
    }

    @Test
    void aDatabaseWithDataButNoKeysAndNoFilesIsRefusedUntilTheOperatorChooses() {
        assertThatThrownBy(() -> open(master(), noFiles, false, new ArrayList<>())).isInstanceOf(KeyringException.class)
                .hasMessageContaining("liftos keys import-files").hasMessageContaining("--generate-missing");
        assertThat(count("SELECT count(*) FROM keyring_keys")).isZero();
        List<String> report = new ArrayList<>();
        open(master(), noFiles, true, report);
        assertThat(report).containsExactly("service key created in the database keyring (wrapped under master key term 1)",
                "audit signing key created in the database keyring (wrapped under master key term 1)");
    }

    @Test
    void anotherMasterKeyIsRefusedBeforeTheKeyringIsRead() throws Exception {
        open(master(), noFiles, true, new ArrayList<>());
        Path other = rawKeyFile("other.key");
        assertThatThrownBy(() -> Vault.unlock(db, other, RANDOM)).isInstanceOf(MasterKeyMismatchException.class)
                .hasMessage("master encryption key " + other + " does not match this database (key check value mismatch);"
                        + " refusing to start with it");
    }

    @Test
    void masterKeyRotationReWrapsTheKeyringResumablyAndPicksUpKeysCreatedMeanwhile() throws Exception {
        MasterKeyTerm before = master();
        Organizations orgs = new Organizations(db, Json.newMapper(), Clock.systemUTC());
        JdbcAuditLog audit = new JdbcAuditLog(db, Json.newMapper(), e -> { });
        Vault vault = Vault.open(db, audit, before, Clock.systemUTC(), RANDOM);
        for (int i = 0; i < 3; i++) {
            vault.storeCredentialsInVault(orgs.create("Org " + i).id(), "klaviyo", "default", Map.of("api_key", "pk_" + i), Caller.system());
        }
        InstanceKeys keys = open(before, noFiles, true, new ArrayList<>());
        Path next = rawKeyFile("next.key");

        // interrupted after re-wrapping one data key: the keyring is not copied yet and the new term is pending
        Thread first = Thread.ofPlatform().start(() -> {
            try {
                new MasterKeyRotation(db, audit, Clock.systemUTC(), RANDOM, Duration.ofSeconds(2), l -> { }).run(masterFile, next);
            } catch (IllegalStateException interrupted) {
                // "run it again to finish"
            }
        });
        long deadline = System.currentTimeMillis() + 20_000;
        while (count("SELECT count(*) FROM vault_wrapped_keys WHERE kek_id = 2") < 1 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        first.interrupt();
        first.join();
        assertThat(count("SELECT count(*) FROM vault_keks WHERE id = 2 AND state = 'pending'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM keyring_keys WHERE kek_id = 2")).isZero();

        // mid-rotation an instance on the old key still starts and reads its keys; a key lost and re-created now,
        // under the old term, is carried over by the resumed run
        assertThat(open(master(), noFiles, false, new ArrayList<>()).service()).isEqualTo(keys.service());
        db.run(c -> c.createStatement().executeUpdate("DELETE FROM keyring_keys WHERE purpose = 'audit_signing'"));
        InstanceKeys recreated = open(master(), noFiles, true, new ArrayList<>());
        assertThat(recreated.auditSigning()).isNotEqualTo(keys.auditSigning());

        List<String> progress = new ArrayList<>();
        new MasterKeyRotation(db, audit, Clock.systemUTC(), RANDOM, Duration.ZERO, progress::add).run(masterFile, next);
        assertThat(progress).anySatisfy(l -> assertThat(l).contains("2 keyring keys re-wrapped").contains("2 keyring keys verified"));
        assertThat(count("SELECT count(*) FROM keyring_keys WHERE kek_id = 1")).isZero();
        assertThat(count("SELECT count(*) FROM keyring_keys WHERE kek_id = 2")).isEqualTo(2);

        InstanceKeys after = open(Vault.unlock(db, next, RANDOM), noFiles, false, new ArrayList<>());
        assertThat(after.service()).isEqualTo(keys.service());
        assertThat(after.auditSigning()).isEqualTo(recreated.auditSigning());
        assertThat(Aead.keyId(wrapped("service"))).isEqualTo(2);
        assertThatThrownBy(this::master).isInstanceOf(MasterKeyMismatchException.class).hasMessageContaining("retired");
    }

    @Test
    void noKeyMaterialInToStringsLogsOrErrors() throws Exception {
        Path serviceFile = dir.resolve("service_key.txt");
        String canary = "Q0FOQVJZLXNlcnZpY2Uta2V5LTVlMWYtbmV2ZXItbG9nZ2Vk";
        KeyFiles.writeNew(serviceFile, (canary + "\n").getBytes(StandardCharsets.US_ASCII));
        InstanceKeys.LegacyFiles files = new InstanceKeys.LegacyFiles(serviceFile, dir.resolve("audit_signing_key.txt"));
        List<String> report = new ArrayList<>();
        String everything;
        try (LogCapture logs = new LogCapture()) {
            InstanceKeys keys = open(master(), files, true, report);
            assertThat(text(keys.service())).isEqualTo(canary);
            Files.delete(serviceFile);
            KeyFiles.writeNew(serviceFile, "b3RoZXItc2VydmljZS1rZXktZm9yLXRoZS1jb25mbGljdA==\n".getBytes(StandardCharsets.US_ASCII));
            String error = "";
            try {
                open(master(), files, true, report);
            } catch (KeyringException e) {
                error = e.getMessage();
            }
            assertThat(error).isNotEmpty();
            everything = logs.text() + String.join("\n", report) + error + keys + keys.service() + keys.auditSigning()
                    + master();
        }
        assertThat(everything).doesNotContain(canary).doesNotContain("b3RoZXItc2VydmljZS1rZXkt")
                .doesNotContain(Files.readString(masterFile).strip());
        String stored = db.run(c -> {
            StringBuilder sb = new StringBuilder();
            try (ResultSet rs = c.createStatement().executeQuery("SELECT encode(wrapped, 'escape') FROM keyring_keys")) {
                while (rs.next()) {
                    sb.append(rs.getString(1));
                }
            }
            return sb.toString();
        });
        assertThat(stored).as("stored wrapped, never in clear").doesNotContain(canary);
    }
}
