package com.liftos.security.cli;

import com.liftos.security.audit.JdbcAuditLog;
import com.liftos.security.backup.BackupKey;
import com.liftos.security.backup.Backups;
import com.liftos.security.backup.RestoreOutcome;
import com.liftos.security.config.Config;
import com.liftos.security.config.ConfigException;
import com.liftos.security.crypto.MasterKey;
import com.liftos.security.http.Json;
import com.liftos.security.store.Database;
import com.liftos.security.store.Db;
import com.liftos.security.vault.Vault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code liftos backup create --out FILE} and {@code liftos backup restore --in FILE}: see {@link Backups}. */
@Command(name = "backup", mixinStandardHelpOptions = true, description = "Back up and restore the database (the master key is kept apart).",
        subcommands = {BackupCommand.Create.class, BackupCommand.Restore.class})
final class BackupCommand implements Callable<Integer> {
    @ParentCommand
    LiftosCommand parent;

    @Override
    public Integer call() {
        parent.err.println("liftos backup: choose a subcommand (create, restore); see 'liftos backup --help'");
        return LiftosCommand.CONFIG_ERROR;
    }

    /** Runs {@code work} on the configured database. */
    private <T> T withBackups(BiFunction<Backups, Db, T> work) {
        Config config = parent.config();
        try (Database database = Database.open(config)) {
            Db db = new Db(database.dataSource());
            return work.apply(new Backups(db, new JdbcAuditLog(db, Json.newMapper(), e -> { }), Clock.systemUTC()), db);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Write a consistent snapshot of every table to a new file (mode 0600), with a signed manifest of"
                    + " row counts and SHA-256 checksums. Works while the service runs. Recorded as SYSTEM_BACKUP.")
    static final class Create implements Callable<Integer> {
        @ParentCommand
        BackupCommand backup;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "The backup file to write; must not exist.")
        Path out;

        @Override
        public Integer call() {
            if (Files.exists(out)) {
                throw new ConfigException(List.of("--out: " + out + " exists; choose a new file"));
            }
            Path masterKey = backup.parent.config().keys().masterKey();
            // The key is checked against the database it signs for: a backup no master key can restore is refused here.
            Backups.BackupFile file = backup.withBackups((b, db) ->
                    b.create(out, BackupKey.of(Vault.unlock(db, masterKey, new SecureRandom()).key())));
            backup.parent.out.println("backup written: " + file.path() + " (" + file.manifest().tables().size() + " tables, "
                    + file.manifest().totalRows() + " rows, schema version " + file.manifest().schemaVersion() + ", sha256 "
                    + file.fileSha256() + ")");
            return 0;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = "Load a backup into an empty database that 'liftos migrate' prepared with the same release. Checks"
                    + " the signature and every checksum first; all or nothing. Recorded as SYSTEM_RESTORE. Use the master key"
                    + " the backup was made under (MASTER_ENCRYPTION_KEY_PATH).")
    static final class Restore implements Callable<Integer> {
        @ParentCommand
        BackupCommand backup;

        @Option(names = "--in", required = true, paramLabel = "FILE", description = "The backup file to restore.")
        Path in;

        @Override
        public Integer call() {
            if (!Files.isRegularFile(in)) {
                throw new ConfigException(List.of("--in: " + in + " is not a file"));
            }
            Path masterKey = backup.parent.config().keys().masterKey();
            // The target is empty: the master key file is read with the parameters the backup names, not checked against it.
            return switch (backup.withBackups((b, db) -> b.restore(in,
                    kdf -> BackupKey.of(MasterKey.load(masterKey, kdf.saltBytes(), kdf.iterations()))))) {
                case RestoreOutcome.Restored r -> {
                    backup.parent.out.println("restored " + r.manifest().tables().size() + " tables, " + r.manifest().totalRows()
                            + " rows (backup of " + r.manifest().createdAt() + ", schema version " + r.manifest().schemaVersion()
                            + "); check it with 'liftos audit verify'");
                    yield 0;
                }
                case RestoreOutcome.Refused r -> {
                    backup.parent.err.println("liftos backup restore: refused (" + r.reason().wire() + "): " + r.message());
                    yield LiftosCommand.FAILURE;
                }
            };
        }
    }
}
