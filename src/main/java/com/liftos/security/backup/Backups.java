package com.liftos.security.backup;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.store.Db;
import com.liftos.security.store.StoreException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Backup and restore of the whole database: the backup feature's entry point.
 *
 * <p>{@link #create} copies every table of the current schema (but Flyway's history) with {@code COPY … TO STDOUT}
 * inside one REPEATABLE READ, read-only transaction, so the file is one consistent snapshot even while the service
 * runs. The file is a zip: {@code tables/<table>.copy} (PostgreSQL COPY text, session settings pinned so the text
 * reads back identically), {@code manifest.json} ({@link Manifest}: schema version, tables, row counts, SHA-256 per
 * table, sequence values) and {@code manifest.sig} ({@link BackupKey}). It is written with mode 0600 under a temporary
 * name, synced, then moved into place; it never replaces an existing file. A SYSTEM_BACKUP event records it.
 *
 * <p>No key is in the backup in clear: credentials stay sealed under the data keys, and the data keys and the
 * instance keyring ({@code keyring_keys}: service key, audit signing key) stay wrapped under the master key, which is
 * kept outside the database. Restoring needs that master key and nothing else.
 *
 * <p>{@link #restore} checks the signature and every table's checksum first, then, in one transaction, refuses a
 * target that is not migrated to exactly the backup's migrations or that holds any row, loads every table with
 * {@code COPY … FROM STDIN} (checking each checksum and row count again as it streams), restores the sequences and
 * appends a SYSTEM_RESTORE event to the system audit chain after the restored records, so the chains verify.
 * Any refusal or failure rolls back everything.
 */
public final class Backups {
    static final String MANIFEST = "manifest.json";
    static final String SIGNATURE = "manifest.sig";
    private static final int MANIFEST_MAX_BYTES = 16 * 1024 * 1024;

    private final Db db;
    private final AuditLog audit;
    private final Clock clock;

    public Backups(Db db, AuditLog audit, Clock clock) {
        this.db = db;
        this.audit = audit;
        this.clock = clock;
    }

    /** A written backup: where, what it holds, and the SHA-256 of the whole file (also in the audit event). */
    public record BackupFile(Path path, Manifest manifest, String fileSha256) {}

    /**
     * Writes a backup to {@code out}, which must not exist (else {@link IllegalStateException}); throws on I/O or
     * database failure, leaving nothing behind.
     */
    public BackupFile create(Path out, BackupKey key) {
        Path target = out.toAbsolutePath();
        if (Files.exists(target)) {
            throw new IllegalStateException(target + " exists; a backup never replaces a file");
        }
        MessageDigest fileDigest = sha256();
        Path partial = null;
        try {
            partial = Files.createTempFile(target.getParent(), ".liftos-backup-", ".partial",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Manifest manifest;
            try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE);
                 ZipOutputStream zip = new ZipOutputStream(new DigestOutputStream(
                         new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16), fileDigest))) {
                manifest = db.tx(c -> snapshot(c, zip, key));
                zip.finish();
                zip.flush();
                channel.force(true);
            }
            String fileSha = HexFormat.of().formatHex(fileDigest.digest());
            // Audited before the file takes its name: no backup is ever there without its record.
            audit.record(SecurityEvent.builder(SecurityEventType.SYSTEM_BACKUP, "backup_create").resource("database")
                    .detail("schema_version", manifest.schemaVersion()).detail("tables", manifest.tables().size())
                    .detail("rows", manifest.totalRows()).detail("file_sha256", fileSha)
                    .detail("format_version", Manifest.FORMAT_VERSION).risk(0.3).build(clock.instant()));
            Files.move(partial, target);
            return new BackupFile(target, manifest, fileSha);
        } catch (IOException e) {
            throw new UncheckedIOException("backup could not be written to " + target + ": " + e.getClass().getSimpleName(), e);
        } finally {
            deleteQuietly(partial);
        }
    }

    private Manifest snapshot(Connection c, ZipOutputStream zip, BackupKey key) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        }
        pinTextFormats(c);
        Catalog catalog = Catalog.of(c);
        List<String> migrations = catalog.migrations();
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        List<Manifest.TableData> tables = new ArrayList<>();
        try {
            for (Catalog.Table table : catalog.tables()) {
                MessageDigest digest = sha256();
                zip.putNextEntry(new ZipEntry(entryName(table.name())));
                long rows = copy.copyOut("COPY " + catalog.qualified(table.name()) + " (" + Catalog.columnList(table.columns())
                        + ") TO STDOUT", new DigestOutputStream(zip, digest));
                zip.closeEntry();
                tables.add(new Manifest.TableData(table.name(), table.columns(), rows, HexFormat.of().formatHex(digest.digest())));
            }
            Manifest manifest = new Manifest(clock.instant(), migrations, tables, catalog.sequences(), key.kdf());
            byte[] json = manifest.toJson();
            zip.putNextEntry(new ZipEntry(MANIFEST));
            zip.write(json);
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry(SIGNATURE));
            zip.write(key.sign(json).getBytes(StandardCharsets.US_ASCII));
            zip.closeEntry();
            return manifest;
        } catch (IOException e) {
            throw new UncheckedIOException("backup could not be written: " + e.getClass().getSimpleName(), e);
        }
    }

    /**
     * Restores {@code in} into the connection's schema, which must be migrated and empty; all or nothing.
     * {@code keyFor} gives the backup key from the master key parameters the manifest names (read before its
     * signature is checked, since the key that checks it depends on them).
     */
    public RestoreOutcome restore(Path in, Function<Manifest.MasterKeyKdf, BackupKey> keyFor) {
        try (ZipFile zip = new ZipFile(in.toFile())) {
            ZipEntry manifestEntry = zip.getEntry(MANIFEST);
            ZipEntry signatureEntry = zip.getEntry(SIGNATURE);
            if (manifestEntry == null || signatureEntry == null) {
                return refused(RestoreOutcome.Reason.NOT_A_BACKUP, in + " has no signed manifest; it is not a LiftOS backup");
            }
            byte[] manifestBytes = read(zip, manifestEntry, MANIFEST_MAX_BYTES);
            Optional<Manifest.MasterKeyKdf> kdf = Manifest.masterKeyKdf(manifestBytes);
            if (kdf.isEmpty()) {
                return refused(RestoreOutcome.Reason.NOT_A_BACKUP, "the manifest is not format " + Manifest.FORMAT
                        + " version " + Manifest.FORMAT_VERSION);
            }
            if (!keyFor.apply(kdf.get()).verifies(manifestBytes, read(zip, signatureEntry, 256))) {
                return refused(RestoreOutcome.Reason.TAMPERED, "the manifest's signature does not match: the file was altered,"
                        + " or it was made under another master key (MASTER_ENCRYPTION_KEY_PATH)");
            }
            Optional<Manifest> parsed = Manifest.parse(manifestBytes);
            if (parsed.isEmpty()) {
                return refused(RestoreOutcome.Reason.NOT_A_BACKUP, "the manifest is not format " + Manifest.FORMAT
                        + " version " + Manifest.FORMAT_VERSION);
            }
            Manifest manifest = parsed.get();
            Optional<RestoreOutcome> damaged = checkEntries(zip, manifest);
            if (damaged.isPresent()) {
                return damaged.get();
            }
            String fileSha = fileSha256(in);
            return load(zip, manifest, fileSha);
        } catch (ZipException e) {
            return refused(RestoreOutcome.Reason.NOT_A_BACKUP, in + " is not a readable backup (not a zip file)");
        } catch (IOException e) {
            throw new UncheckedIOException("backup " + in + " could not be read: " + e.getClass().getSimpleName(), e);
        }
    }

    /** Exactly the manifest's entries, each matching its checksum: read once before anything is written. */
    private Optional<RestoreOutcome> checkEntries(ZipFile zip, Manifest manifest) {
        Set<String> expected = new TreeSet<>(Set.of(MANIFEST, SIGNATURE));
        manifest.tables().forEach(t -> expected.add(entryName(t.name())));
        Set<String> present = new TreeSet<>();
        zip.stream().forEach(e -> present.add(e.getName()));
        if (!present.equals(expected)) {
            return Optional.of(refused(RestoreOutcome.Reason.TAMPERED, "the file's entries differ from its manifest"));
        }
        for (Manifest.TableData table : manifest.tables()) {
            MessageDigest digest = sha256();
            try (InputStream data = new DigestInputStream(zip.getInputStream(zip.getEntry(entryName(table.name()))), digest)) {
                data.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                return Optional.of(refused(RestoreOutcome.Reason.TAMPERED, "table " + table.name() + " is unreadable in the file"));
            }
            if (!HexFormat.of().formatHex(digest.digest()).equals(table.sha256())) {
                return Optional.of(refused(RestoreOutcome.Reason.TAMPERED, "table " + table.name() + " does not match its checksum"));
            }
        }
        return Optional.empty();
    }

    private RestoreOutcome load(ZipFile zip, Manifest manifest, String fileSha) {
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                RestoreOutcome outcome = load(c, zip, manifest, fileSha);
                if (outcome instanceof RestoreOutcome.Restored) {
                    c.commit();
                } else {
                    c.rollback();
                }
                return outcome;
            } catch (SQLException | IOException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("restore failed, nothing was written: database error " + e.getSQLState(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("restore failed, nothing was written: the backup could not be read", e);
        }
    }

    private RestoreOutcome load(Connection c, ZipFile zip, Manifest manifest, String fileSha) throws SQLException, IOException {
        pinTextFormats(c);
        Catalog catalog = Catalog.of(c);
        List<String> migrations = catalog.migrations();
        if (migrations.isEmpty()) {
            return refused(RestoreOutcome.Reason.SCHEMA_MISMATCH, "the database is not migrated: run 'liftos migrate' with the"
                    + " release that made the backup (schema version " + manifest.schemaVersion() + "), then restore");
        }
        if (!migrations.equals(manifest.migrations())) {
            return refused(RestoreOutcome.Reason.SCHEMA_MISMATCH, "the database is at schema version " + migrations.getLast()
                    + " and the backup at " + manifest.schemaVersion() + " (with these migrations: " + manifest.migrations()
                    + "): restore with the release that made the backup, then upgrade");
        }
        List<Catalog.Table> tables = catalog.tables();
        Set<String> names = new LinkedHashSet<>();
        for (Catalog.Table t : tables) {
            names.add(t.name());
            if (manifest.table(t.name()).filter(d -> d.columns().equals(t.columns())).isEmpty()) {
                return refused(RestoreOutcome.Reason.SCHEMA_MISMATCH, "table " + t.name() + " differs between the database and the backup");
            }
        }
        if (names.size() != manifest.tables().size() || !catalog.sequences().keySet().equals(manifest.sequences().keySet())) {
            return refused(RestoreOutcome.Reason.SCHEMA_MISMATCH, "the backup's tables or sequences differ from the database's");
        }
        try (Statement st = c.createStatement()) {
            // No one writes while the restore loads: a service started on this database waits, then sees the whole.
            st.execute("LOCK TABLE " + String.join(", ", names.stream().map(catalog::qualified).toList()) + " IN ACCESS EXCLUSIVE MODE");
        }
        for (String name : names) {
            if (!catalog.isEmpty(name)) {
                return refused(RestoreOutcome.Reason.TARGET_NOT_EMPTY, "table " + name + " already holds rows: restore only"
                        + " into an empty database that 'liftos migrate' prepared (not one the service has started on)");
            }
        }
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        for (Catalog.Table table : tables) {
            Manifest.TableData data = manifest.table(table.name()).orElseThrow();
            MessageDigest digest = sha256();
            long rows;
            try (InputStream in = new DigestInputStream(zip.getInputStream(zip.getEntry(entryName(table.name()))), digest)) {
                rows = copy.copyIn("COPY " + catalog.qualified(table.name()) + " (" + Catalog.columnList(table.columns())
                        + ") FROM STDIN", in);
            }
            if (rows != data.rows() || !HexFormat.of().formatHex(digest.digest()).equals(data.sha256())) {
                return refused(RestoreOutcome.Reason.TAMPERED, "table " + table.name() + " changed while it was restored");
            }
        }
        // Before the audit append below: audit_events ids come from a sequence and must not collide with restored rows.
        for (Map.Entry<String, Manifest.SequenceValue> s : manifest.sequences().entrySet()) {
            catalog.setSequence(s.getKey(), s.getValue());
        }
        audit.record(c, SecurityEvent.builder(SecurityEventType.SYSTEM_RESTORE, "backup_restore").resource("database")
                .detail("backup_created_at", manifest.createdAt().toString()).detail("schema_version", manifest.schemaVersion())
                .detail("tables", manifest.tables().size()).detail("rows", manifest.totalRows()).detail("file_sha256", fileSha)
                .detail("format_version", Manifest.FORMAT_VERSION).risk(0.5).build(clock.instant()));
        return new RestoreOutcome.Restored(manifest, fileSha);
    }

    /** Fixes every setting that changes COPY's text, so a backup reads back the same whatever the server's defaults. */
    private static void pinTextFormats(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL DateStyle = 'ISO, YMD'");
            st.execute("SET LOCAL TimeZone = 'UTC'");
            st.execute("SET LOCAL IntervalStyle = 'postgres'");
            st.execute("SET LOCAL extra_float_digits = 3");
            st.execute("SET LOCAL bytea_output = 'hex'");
        }
    }

    private static RestoreOutcome.Refused refused(RestoreOutcome.Reason reason, String message) {
        return new RestoreOutcome.Refused(reason, message);
    }

    private static String entryName(String table) {
        return "tables/" + table + ".copy";
    }

    private static byte[] read(ZipFile zip, ZipEntry entry, int max) throws IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readNBytes(max + 1);
            if (bytes.length > max) {
                throw new ZipException(entry.getName() + " is larger than a manifest can be");
            }
            return bytes;
        }
    }

    private static String fileSha256(Path file) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // The partial file is mode 0600 and named as such; nothing else to do about it.
        }
    }
}
