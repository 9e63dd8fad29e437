package com.liftos.security.vault;

import com.liftos.security.crypto.AesKey;
import com.liftos.security.crypto.CryptoProviders;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Figure: master-key rotation over 1,000 organizations holding 100,000 credentials (bench/vault.sh runs it).
 * Seeds through the vault's own code (one store per org creates its data key, the other credentials are sealed
 * with the same cipher and bulk-inserted), then times {@link MasterKeyRotation#run} and checks a sample opens
 * under the new key. Needs TEST_DATABASE_URL (or boots an embedded PostgreSQL).
 */
public final class MasterKeyRotationBenchmark {
    private MasterKeyRotationBenchmark() {}

    public static void main(String[] args) {
        int orgs = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int perOrg = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        CryptoProviders.install();
        try (VaultFixture fx = new VaultFixture(8)) {
            long t0 = System.nanoTime();
            Vault vault = fx.open();
            Keyring keyring = Keyring.open(fx.db, fx.keyFile, fx.clock, new SecureRandom());
            CredentialCipher cipher = new CredentialCipher(keyring.aead());
            UUID[] ids = new UUID[orgs];
            for (int o = 0; o < orgs; o++) {
                UUID org = fx.orgs.create("Bench org " + o).id();
                ids[o] = org;
                vault.storeCredentialsInVault(org, "klaviyo", "key0", Map.of("api_key", "pk_bench_0"), Caller.system());
                AesKey dk = keyring.dataKey(org, 1);
                fx.db.tx(c -> {
                    Timestamp now = Timestamp.from(Instant.now());
                    try (PreparedStatement cred = c.prepareStatement("""
                            INSERT INTO vault_credentials (id, org_id, provider, key_name, version, status, created_at, rotated_at)
                            VALUES (?, ?, 'klaviyo', ?, 1, 'active', ?, ?)""");
                         PreparedStatement ver = c.prepareStatement("""
                            INSERT INTO vault_credential_versions (credential_id, version, org_id, data_key_version, ciphertext, created_at)
                            VALUES (?, 1, ?, 1, ?, ?)""")) {
                        for (int i = 1; i < perOrg; i++) {
                            UUID id = UUID.randomUUID();
                            String keyName = "key" + i;
                            cred.setObject(1, id);
                            cred.setObject(2, org);
                            cred.setString(3, keyName);
                            cred.setTimestamp(4, now);
                            cred.setTimestamp(5, now);
                            cred.addBatch();
                            ver.setObject(1, id);
                            ver.setObject(2, org);
                            ver.setBytes(3, cipher.seal(new CredentialCipher.Binding(org, "klaviyo", keyName, 1), dk, 1,
                                    SecretFields.of(Map.of("api_key", "pk_bench_" + i + "_" + "x".repeat(200)))));
                            ver.setTimestamp(4, now);
                            ver.addBatch();
                        }
                        cred.executeBatch();
                        ver.executeBatch();
                    }
                    return null;
                });
            }
            long credentials = fx.count("SELECT count(*) FROM vault_credentials");
            System.out.printf("seeded %d organizations, %d credentials in %d ms%n", orgs, credentials, (System.nanoTime() - t0) / 1_000_000);

            MasterKeyRotation rotation = new MasterKeyRotation(fx.db, fx.audit, fx.clock, new SecureRandom(), Duration.ZERO, line -> { });
            long t1 = System.nanoTime();
            MasterKeyRotation.Result r = rotation.run(fx.keyFile, fx.newRawKeyFile("bench-new.key"));
            long ms = (System.nanoTime() - t1) / 1_000_000;
            System.out.printf("master-key rotation: %d data keys of %d organizations re-wrapped and verified in %d ms%n",
                    r.dataKeysRewrapped(), r.organizations(), ms);

            Vault after = fx.open(fx.dir.resolve("bench-new.key"));
            for (int o = 0; o < orgs; o += Math.max(1, orgs / 20)) {
                VaultResult<Revealed> rev = after.getCredentials(ids[o], "klaviyo", "key" + (perOrg - 1), Caller.system());
                if (!(rev instanceof VaultResult.Ok<Revealed>)) {
                    throw new IllegalStateException("credential did not open after rotation: " + rev);
                }
            }
            System.out.println("sample of credentials opens under the new master key: ok");
        }
    }
}
