package com.liftos.security.cli;

import com.liftos.security.audit.AuditKey;
import com.liftos.security.audit.ChainStatus;
import com.liftos.security.audit.ChainVerifier;
import com.liftos.security.config.Config;
import com.liftos.security.config.ConfigException;
import com.liftos.security.store.Database;
import com.liftos.security.store.Db;
import com.liftos.security.crypto.InsecureKeyAccess;
import com.liftos.security.keys.InstanceKeys;
import com.liftos.security.keys.KeyPurpose;
import com.liftos.security.keys.MasterKeyTerm;
import com.liftos.security.vault.Vault;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code liftos audit verify [--org ID]}: checks the audit hash chains and signed checkpoints. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Audit log tools.",
        subcommands = AuditCommand.Verify.class)
final class AuditCommand implements Callable<Integer> {
    @ParentCommand
    LiftosCommand parent;

    @Override
    public Integer call() {
        parent.err.println("liftos audit: choose a subcommand (verify); see 'liftos audit --help'");
        return LiftosCommand.CONFIG_ERROR;
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Verify the audit hash chains: prints 'intact' or the first record modified, deleted, inserted or reordered. "
                    + "Exit code 0 when every chain is intact, 1 otherwise.")
    static final class Verify implements Callable<Integer> {
        @ParentCommand
        AuditCommand audit;

        @Option(names = "--org", paramLabel = "ID", description = "Only this organization's chain (UUID); 'system' for system events")
        String org;

        @Override
        public Integer call() {
            LiftosCommand cli = audit.parent;
            Config config = cli.config();
            Optional<UUID> only = Optional.ofNullable(org).map(Verify::chain);
            long t0 = System.nanoTime();
            try (Database database = Database.open(config)) {
                Db db = new Db(database.dataSource());
                MasterKeyTerm master = Vault.unlock(db, config.keys().masterKey(), new SecureRandom());
                Optional<AuditKey> key = InstanceKeys.stored(db, master, KeyPurpose.AUDIT_SIGNING).map(k -> {
                    byte[] raw = k.bytes(InsecureKeyAccess.get());
                    try {
                        return AuditKey.of(raw);
                    } finally {
                        Arrays.fill(raw, (byte) 0);
                    }
                });
                if (key.isEmpty()) {
                    cli.err.println("liftos audit verify: the database keyring has no audit signing key; signed checkpoints cannot be checked");
                }
                ChainVerifier verifier = new ChainVerifier(db, key);
                List<ChainStatus> results = only.map(id -> List.of(verifier.verify(id))).orElseGet(verifier::verifyAll);
                boolean allIntact = true;
                long records = 0;
                for (ChainStatus s : results) {
                    records += s.recordsChecked();
                    String name = s.chain().equals(new UUID(0, 0)) ? "system" : "org " + s.chain();
                    switch (s) {
                        case ChainStatus.Intact i -> cli.out.println(name + ": intact (" + i.recordsChecked() + " records, seq "
                                + (i.anchorSeq() + 1) + ".." + i.headSeq() + ", " + i.checkpointsVerified() + " signed checkpoints verified"
                                + (i.anchorSeq() > 0 ? ", purged up to seq " + i.anchorSeq() : "") + ")");
                        case ChainStatus.Tampered t -> {
                            allIntact = false;
                            cli.out.println(name + ": TAMPERED — " + t.problem().wire() + " at seq " + t.seq()
                                    + t.eventId().map(id -> " (event " + id + ")").orElse("") + ": " + t.message());
                        }
                    }
                }
                if (results.isEmpty()) {
                    cli.out.println("no audit records");
                }
                cli.out.printf(java.util.Locale.ROOT, "%s: %d records in %d chain(s) verified in %.2f s%n",
                        allIntact ? "intact" : "TAMPERED", records, results.size(), (System.nanoTime() - t0) / 1e9);
                return allIntact ? 0 : LiftosCommand.FAILURE;
            }
        }

        private static UUID chain(String value) {
            if ("system".equals(value)) {
                return new UUID(0, 0);
            }
            try {
                return UUID.fromString(value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(List.of("--org: must be an organization id (UUID) or 'system'"));
            }
        }
    }
}
