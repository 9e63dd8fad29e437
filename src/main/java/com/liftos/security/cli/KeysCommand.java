package com.liftos.security.cli;

import com.liftos.security.App;
import com.liftos.security.auth.token.JwtAlgorithm;
import com.liftos.security.auth.token.JwtKeys;
import com.liftos.security.config.Config;
import com.liftos.security.crypto.CryptoProviders;
import com.liftos.security.crypto.InsecureKeyAccess;
import com.liftos.security.http.Json;
import com.liftos.security.keys.InstanceKeys;
import com.liftos.security.keys.MasterKeyTerm;
import com.liftos.security.org.Organizations;
import com.liftos.security.store.Database;
import com.liftos.security.store.Db;
import com.liftos.security.store.Migrations;
import com.liftos.security.vault.Vault;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code liftos keys rotate-jwt | import-files}: the keys in the database. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manage the keys in the database.",
        subcommands = {KeysCommand.RotateJwt.class, KeysCommand.ImportFiles.class})
final class KeysCommand implements Callable<Integer> {
    @ParentCommand
    LiftosCommand parent;

    @Override
    public Integer call() {
        parent.out.println("usage: liftos keys rotate-jwt | import-files [--generate-missing]");
        return LiftosCommand.CONFIG_ERROR;
    }

    /**
     * Opens the configured database (migrated), checks the master key, provisions the instance keys as a start does
     * ({@code generateMissing}: also on a database with data) and hands the JWT keyring to {@code work}.
     */
    <T> T withJwtKeys(boolean generateMissing, Function<JwtKeys, T> work) {
        Config config = parent.config();
        CryptoProviders.install();
        SecureRandom random = new SecureRandom();
        try (Database database = Database.open(config)) {
            new Migrations(database.dataSource()).migrate();
            Db db = new Db(database.dataSource());
            Organizations orgs = new Organizations(db, Json.newMapper(), Clock.systemUTC());
            MasterKeyTerm master = Vault.unlock(db, config.keys().masterKey(), random);
            InstanceKeys keys = InstanceKeys.open(db, master, App.legacyKeyFiles(config.keys()),
                    () -> generateMissing || orgs.count() == 0, random, parent.out::println);
            byte[] serviceKey = keys.service().bytes(InsecureKeyAccess.get());
            try {
                JwtKeys jwt = new JwtKeys(db, Optional.of(config.keys().legacyJwtPrivateKey()), serviceKey, JwtAlgorithm.named(config.auth().jwtAlgorithm()).orElseThrow(),
                        Duration.ofMinutes(config.auth().accessTokenMinutes()), Clock.systemUTC(), random);
                jwt.fileKeyReport().ifPresent(parent.out::println);
                return work.apply(jwt);
            } finally {
                Arrays.fill(serviceKey, (byte) 0);
            }
        }
    }

    /**
     * Adds a new JWT signing key to the shared keyring; every instance signs with it within seconds, and the old key
     * stays in the JWKS until every token it signed has expired.
     */
    @Command(name = "rotate-jwt", mixinStandardHelpOptions = true,
            description = "Add a new JWT signing key; every running instance signs with it within seconds, the old one keeps"
                    + " verifying until its tokens expire.")
    static final class RotateJwt implements Callable<Integer> {
        @ParentCommand
        KeysCommand keys;

        @Override
        public Integer call() {
            return keys.withJwtKeys(false, ring -> {
                String kid = ring.rotate();
                keys.parent.out.println("New JWT signing key " + kid + " is active; published keys: "
                        + String.join(", ", ring.publishedKeyIds()));
                return 0;
            });
        }
    }

    /**
     * Moves an earlier release's key files into the database: the service key and the audit signing key wrapped under
     * the master key, the JWT signing key sealed under the service key. Idempotent; a file that disagrees with what the
     * database already holds is refused.
     */
    @Command(name = "import-files", mixinStandardHelpOptions = true,
            description = "Store an earlier release's key files (LIFTOS_SERVICE_KEY_PATH, audit_signing_key.txt next to the master"
                    + " key, JWT_PRIVATE_KEY_PATH) in the database, wrapped under the master key, so that no instance needs them."
                    + " Run once with the files present; safe to run again.")
    static final class ImportFiles implements Callable<Integer> {
        @ParentCommand
        KeysCommand keys;

        @Option(names = "--generate-missing", description = "Create the keys no file is found for, on a database that already"
                + " has data (its key files were lost: service-account secrets and signatures made with them stop verifying).")
        boolean generateMissing;

        @Override
        public Integer call() {
            return keys.withJwtKeys(generateMissing, ring -> {
                keys.parent.out.println("Keys in the database; JWT signing keys: " + String.join(", ", ring.publishedKeyIds())
                        + ". Instances now need only MASTER_ENCRYPTION_KEY_PATH and DATABASE_URL.");
                return 0;
            });
        }
    }
}
