package com.liftos.security.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.audit.AuditFilter;
import com.liftos.security.audit.AuditQuery;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.testing.TestApp;
import com.liftos.security.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

/**
 * {@code liftos backup create / restore}: a populated service backed up, restored into a fresh database, and the
 * service started there serves the same user and credential with intact audit chains; altered files are refused.
 */
class BackupCliTest {
    static final String SECRET = "pk_backup_canary_5e1f";
    static final String PASSWORD = "Backup-Password-123!";

    record Run(int code, String out, String err) {}

    static Run run(Path dataDir, TestDatabase.Schema schema, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = Map.of("LIFTOS_DATA_DIR", dataDir.toString(), "DATABASE_URL", schema.databaseUrl());
        int code = LiftosCommand.execute(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A fresh schema migrated by this release, as 'liftos migrate' leaves it. */
    static TestDatabase.Schema migratedEmpty() {
        TestDatabase.Schema schema = TestDatabase.fresh();
        schema.dataSource(2).close();
        return schema;
    }

    static long systemEvents(TestApp app, SecurityEventType type) {
        AuditFilter filter = new AuditFilter(Set.of(type), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
        AuditQuery.Page page = app.app().audit().query().search(new UUID(0, 0), filter, Optional.empty(), 100);
        return page.events().size();
    }

    static long count(TestDatabase.Schema schema, String sql) {
        try (var ds = schema.dataSource(2)) {
            return schema.db(ds).run(c -> {
                try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
        }
    }

    @Test
    void aRestoredBackupServesTheSameUserAndCredentialWithIntactAuditChains() throws Exception {
        Path dir = Files.createTempDirectory("liftos-backup-test");
        try (TestApp app = TestApp.start()) {
            String admin = app.loginAdmin();
            UUID org = app.adminOrgId();
            String email = "backup-" + UUID.randomUUID() + "@example.test";
            app.createUser(admin, org, email, PASSWORD, "manager");
            String credential = "/v1/orgs/" + org + "/credentials/klaviyo/backup";
            assertThat(app.putJson(credential, app.body(Map.of("api_key", SECRET)), admin).statusCode()).isEqualTo(201);
            assertThat(app.json(app.get(credential + "/secret", admin)).at("/credentials/api_key").asText()).isEqualTo(SECRET);
            assertThat(app.app().audit().maintenance().checkpoint()).isPositive();

            Path file = dir.resolve("liftos.backup");
            Run made = run(app.dataDir(), app.schema(), "backup", "create", "--out", file.toString());
            assertThat(made.code()).as(made.out() + made.err()).isZero();
            assertThat(made.out()).contains("backup written: " + file).contains("schema version");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(systemEvents(app, SecurityEventType.SYSTEM_BACKUP)).isEqualTo(1);
            assertThat(made.out()).contains(sha256(file));
            assertThat(run(app.dataDir(), app.schema(), "backup", "create", "--out", file.toString()).code())
                    .as("never replaces a file").isEqualTo(LiftosCommand.CONFIG_ERROR);

            // No key material and no credential in clear in the file: the master key file's content is absent, and so
            // are the keys of the database keyring (only their wrapped form is in the backup).
            String contents = entriesAsText(file);
            assertThat(contents).contains(email).doesNotContain(SECRET).doesNotContain(PASSWORD);
            try (var keys = Files.list(app.dataDir().resolve("keys"))) {
                for (Path key : keys.filter(k -> !k.getFileName().toString().contains("public")).toList()) {
                    for (String line : Files.readAllLines(key)) {
                        if (line.length() >= 16 && !line.startsWith("-----")) {
                            assertThat(contents).as(key.getFileName().toString()).doesNotContain(line.strip());
                        }
                    }
                }
            }
            byte[] serviceKey = app.app().keys().service().bytes(com.liftos.security.crypto.InsecureKeyAccess.get());
            byte[] auditKey = app.app().keys().auditSigning().bytes(com.liftos.security.crypto.InsecureKeyAccess.get());
            assertThat(contents).doesNotContain(new String(serviceKey, StandardCharsets.US_ASCII))
                    .doesNotContain(java.util.Base64.getEncoder().encodeToString(auditKey))
                    .doesNotContain(HexFormat.of().formatHex(auditKey));

            TestDatabase.Schema unmigrated = TestDatabase.fresh();
            Run notMigrated = run(app.dataDir(), unmigrated, "backup", "restore", "--in", file.toString());
            assertThat(notMigrated.code()).isEqualTo(LiftosCommand.FAILURE);
            assertThat(notMigrated.err()).contains("refused (schema_mismatch)").contains("liftos migrate");
            Run notEmpty = run(app.dataDir(), app.schema(), "backup", "restore", "--in", file.toString());
            assertThat(notEmpty.code()).isEqualTo(LiftosCommand.FAILURE);
            assertThat(notEmpty.err()).contains("refused (target_not_empty)");

            TestDatabase.Schema fresh = migratedEmpty();
            Run restored = run(app.dataDir(), fresh, "backup", "restore", "--in", file.toString());
            assertThat(restored.code()).as(restored.out() + restored.err()).isZero();
            assertThat(restored.out()).contains("restored ");
            Run verified = run(app.dataDir(), fresh, "audit", "verify");
            assertThat(verified.code()).as(verified.out() + verified.err()).isZero();
            assertThat(verified.out()).contains("org " + org + ": intact").contains("system: intact").contains("signed checkpoints verified");
            Run again = run(app.dataDir(), fresh, "backup", "restore", "--in", file.toString());
            assertThat(again.err()).contains("refused (target_not_empty)");

            assertThat(count(fresh, "SELECT count(*) FROM audit_events WHERE event_type = 'SYSTEM_RESTORE' AND org_id IS NULL"
                    + " AND seq = (SELECT max(seq) FROM audit_events WHERE org_id IS NULL)")).as("appended after the restored chain").isEqualTo(1);

            try (TestApp copy = TestApp.startSharing(app, Map.of("DATABASE_URL", fresh.databaseUrl()), Clock.systemUTC())) {
                assertThat(systemEvents(copy, SecurityEventType.SYSTEM_RESTORE)).isEqualTo(1);
                String user = copy.login(email, PASSWORD);
                assertThat(copy.get("/v1/me", user).statusCode()).isEqualTo(200);
                HttpResponse<String> revealed = copy.get(credential + "/secret", copy.loginAdmin());
                assertThat(revealed.statusCode()).as(revealed.body()).isEqualTo(200);
                assertThat(copy.json(revealed).at("/credentials/api_key").asText()).isEqualTo(SECRET);
                assertThat(copy.app().audit().maintenance().checkpoint()).isPositive();
            }
            Run afterUse = run(app.dataDir(), fresh, "audit", "verify");
            assertThat(afterUse.code()).as(afterUse.out()).isZero();
        }
    }

    @Test
    void alteredOrForeignBackupsAreRefusedAndWriteNothing() throws Exception {
        Path dir = Files.createTempDirectory("liftos-backup-test");
        try (TestApp app = TestApp.start()) {
            app.loginAdmin();
            Path file = dir.resolve("good.backup");
            assertThat(run(app.dataDir(), app.schema(), "backup", "create", "--out", file.toString()).code()).isZero();
            TestDatabase.Schema target = migratedEmpty();

            // One character of one table changed, the manifest left alone: the table's checksum catches it.
            Path edited = rewrite(file, dir.resolve("edited.backup"), (name, bytes) ->
                    name.equals("tables/users.copy") ? replace(bytes, "admin@example.test", "admin@example.tesT") : bytes);
            Run r1 = run(app.dataDir(), target, "backup", "restore", "--in", edited.toString());
            assertThat(r1.code()).isEqualTo(LiftosCommand.FAILURE);
            assertThat(r1.err()).contains("refused (tampered)").contains("users").doesNotContain("admin@example");

            // The table changed and its checksum in the manifest recomputed: the manifest's signature catches it.
            byte[] usersEdited = replace(read(file, "tables/users.copy"), "admin@example.test", "admin@example.tesT");
            String usersSha = sha256(read(file, "tables/users.copy"));
            String editedSha = sha256(usersEdited);
            Path resigned = rewrite(file, dir.resolve("resigned.backup"), (name, bytes) -> switch (name) {
                case "tables/users.copy" -> usersEdited;
                case "manifest.json" -> replace(bytes, usersSha, editedSha);
                default -> bytes;
            });
            Run r2 = run(app.dataDir(), target, "backup", "restore", "--in", resigned.toString());
            assertThat(r2.code()).isEqualTo(LiftosCommand.FAILURE);
            assertThat(r2.err()).contains("refused (tampered)").contains("signature");

            // A table dropped from the file.
            Path missing = rewrite(file, dir.resolve("missing.backup"), (name, bytes) -> name.equals("tables/vault_keks.copy") ? null : bytes);
            assertThat(run(app.dataDir(), target, "backup", "restore", "--in", missing.toString()).err()).contains("refused (tampered)");

            // Another installation's master key: the signature does not verify.
            try (TestApp other = TestApp.start()) {
                Run foreign = run(other.dataDir(), target, "backup", "restore", "--in", file.toString());
                assertThat(foreign.err()).contains("refused (tampered)").contains("another master key");
            }

            Path notZip = Files.writeString(dir.resolve("plain.txt"), "not a backup");
            assertThat(run(app.dataDir(), target, "backup", "restore", "--in", notZip.toString()).err()).contains("refused (not_a_backup)");

            assertThat(count(target, "SELECT count(*) FROM users")).isZero();
            assertThat(count(target, "SELECT count(*) FROM audit_events")).isZero();
            Run good = run(app.dataDir(), target, "backup", "restore", "--in", file.toString());
            assertThat(good.code()).as(good.err()).isZero();
        }
    }

    static String entriesAsText(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (ZipEntry e : zip.stream().toList()) {
                try (InputStream in = zip.getInputStream(e)) {
                    sb.append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
                }
            }
        }
        return sb.toString();
    }

    static byte[] read(Path file, String entry) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile()); InputStream in = zip.getInputStream(zip.getEntry(entry))) {
            return in.readAllBytes();
        }
    }

    /** A copy of {@code file} with each entry passed through {@code edit} (null drops it). */
    static Path rewrite(Path file, Path to, BiFunction<String, byte[], byte[]> edit) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (ZipEntry e : zip.stream().toList()) {
                try (InputStream in = zip.getInputStream(e)) {
                    entries.put(e.getName(), in.readAllBytes());
                }
            }
        }
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(to))) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                byte[] bytes = edit.apply(e.getKey(), e.getValue());
                if (bytes != null) {
                    out.putNextEntry(new ZipEntry(e.getKey()));
                    out.write(bytes);
                    out.closeEntry();
                }
            }
        }
        return to;
    }

    static byte[] replace(byte[] bytes, String from, String to) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertThat(text).contains(from);
        return text.replace(from, to).getBytes(StandardCharsets.UTF_8);
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static String sha256(Path file) throws Exception {
        return sha256(Files.readAllBytes(file));
    }
}
