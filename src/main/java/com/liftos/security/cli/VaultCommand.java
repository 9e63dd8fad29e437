package com.liftos.security.cli;

import com.liftos.security.Setup;
import com.liftos.security.audit.JdbcAuditLog;
import com.liftos.security.config.Config;
import com.liftos.security.config.ConfigException;
import com.liftos.security.crypto.CryptoProviders;
import com.liftos.security.http.Json;
import com.liftos.security.store.Database;
import com.liftos.security.store.Db;
import com.liftos.security.store.Migrations;
import com.liftos.security.vault.DataKeyRotation;
import com.liftos.security.vault.MasterKeyRotation;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code liftos vault ...}: key rotation for the credential vault. Both commands are resumable: run them again. */
@Command(name = "vault", mixinStandardHelpOptions = true, description = "Credential vault key management.",
        subcommands = {VaultCommand.RotateMasterKey.class, VaultCommand.RotateDataKeys.class})
final class VaultCommand implements Callable<Integer> {
    /** Testing aid: milliseconds to pause after each re-wrapped key / re-sealed credential, so a test can kill mid-way. */
    static final String PAUSE_VARIABLE = "LIFTOS_VAULT_TEST_PAUSE_MS";

    @ParentCommand
    LiftosCommand parent;

    @Override
    public Integer call() {
        new picocli.CommandLine(this).usage(parent.out);
        return 0;
    }

    Duration pause() {
        String v = parent.env.get(PAUSE_VARIABLE);
        if (v == null || v.isBlank()) {
            return Duration.ZERO;
        }
        try {
            return Duration.ofMillis(Math.max(0, Long.parseLong(v.strip())));
        } catch (NumberFormatException e) {
            throw new ConfigException(List.of(PAUSE_VARIABLE + ": must be a whole number of milliseconds"));
        }
    }

    @Command(name = "rotate-master-key", mixinStandardHelpOptions = true,
            description = "Re-wrap every organization's data keys under a new master key (resumable: run again after an interruption). "
                    + "Afterwards set MASTER_ENCRYPTION_KEY_PATH to the new key file and restart the service.")
    static final class RotateMasterKey implements Callable<Integer> {
        @ParentCommand
        VaultCommand vault;

        @Option(names = "--new-key-file", required = true, description = "The new master key: base64 of 32 random bytes, or a passphrase (mode 0600).")
        Path newKeyFile;

        @Override
        public Integer call() {
            LiftosCommand cli = vault.parent;
            Config config = cli.config();
            CryptoProviders.install();
            try (Database database = Database.open(config)) {
                new Migrations(database.dataSource()).migrate();
                Db db = new Db(database.dataSource());
                MasterKeyRotation rotation = new MasterKeyRotation(db, new JdbcAuditLog(db, Json.newMapper(), e -> { }),
                        Clock.systemUTC(), new SecureRandom(), vault.pause(), cli.out::println);
                rotation.run(config.keys().masterKey(), newKeyFile);
            }
            return 0;
        }
    }

    @Command(name = "rotate-data-keys", mixinStandardHelpOptions = true,
            description = "Give organizations new data keys and re-seal their credentials (resumable: run again after an interruption).")
    static final class RotateDataKeys implements Callable<Integer> {
        @ParentCommand
        VaultCommand vault;

        @Option(names = "--org", description = "Only this organization (UUID); default: every organization with vault keys.")
        String orgId;

        @Override
        public Integer call() {
            LiftosCommand cli = vault.parent;
            Config config = cli.config();
            Optional<UUID> org = Optional.ofNullable(orgId).map(s -> Setup.parseOrgId(s)
                    .orElseThrow(() -> new ConfigException(List.of("--org: must be a UUID"))));
            CryptoProviders.install();
            try (Database database = Database.open(config)) {
                new Migrations(database.dataSource()).migrate();
                Db db = new Db(database.dataSource());
                if (org.isPresent() && new com.liftos.security.org.Organizations(db, Json.newMapper(), Clock.systemUTC()).find(org.get()).isEmpty()) {
                    throw new ConfigException(List.of("--org: no such organization"));
                }
                DataKeyRotation rotation = new DataKeyRotation(db, new JdbcAuditLog(db, Json.newMapper(), e -> { }),
                        config.keys().masterKey(), Clock.systemUTC(), new SecureRandom(), vault.pause(), cli.out::println);
                DataKeyRotation.Result r = rotation.run(org);
                cli.out.println("data-key rotation finished: " + r.organizations() + " organization(s), "
                        + r.credentialsResealed() + " credential version(s) re-sealed");
            }
            return 0;
        }
    }
}
