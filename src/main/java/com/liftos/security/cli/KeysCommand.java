package com.liftos.security.cli;

import com.liftos.security.auth.token.JwtKeys;
import com.liftos.security.config.Config;
import com.liftos.security.crypto.CryptoProviders;
import com.liftos.security.crypto.KeyFiles;
import com.liftos.security.store.Database;
import com.liftos.security.store.Db;
import com.liftos.security.store.Migrations;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code liftos keys rotate-jwt}: key management. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manage signing keys.",
        subcommands = KeysCommand.RotateJwt.class)
final class KeysCommand implements Callable<Integer> {
    @ParentCommand
    LiftosCommand parent;

    @Override
    public Integer call() {
        parent.out.println("usage: liftos keys rotate-jwt");
        return LiftosCommand.CONFIG_ERROR;
    }

    /**
     * Adds a new JWT signing key to the shared keyring; every instance signs with it within seconds, and the old key
     * stays in the JWKS until every token it signed has expired.
     */
    @Command(name = "rotate-jwt", mixinStandardHelpOptions = true,
            description = "Add a new JWT signing key; the old one keeps verifying until its tokens expire.")
    static final class RotateJwt implements Callable<Integer> {
        @ParentCommand
        KeysCommand keys;

        @Override
        public Integer call() {
            Config config = keys.parent.config();
            CryptoProviders.install();
            try (Database database = Database.open(config)) {
                new Migrations(database.dataSource()).migrate();
                JwtKeys ring = new JwtKeys(new Db(database.dataSource()), KeyFiles.readRsaKeyPair(config.keys().jwtPrivateKey()),
                        KeyFiles.readPrivate(config.keys().serviceKey()), Duration.ofMinutes(config.auth().accessTokenMinutes()),
                        Clock.systemUTC(), new SecureRandom());
                String kid = ring.rotate();
                keys.parent.out.println("New JWT signing key " + kid + " is active; published keys: "
                        + String.join(", ", ring.publishedKeyIds()));
            }
            return 0;
        }
    }
}
