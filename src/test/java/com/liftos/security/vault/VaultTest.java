package com.liftos.security.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.crypto.DecryptionFailedException;
import com.liftos.security.store.StoreException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VaultTest {
    static VaultFixture fx;
    static Vault vault;
    static final Caller ALICE = new Caller(Optional.of(UUID.randomUUID()), com.liftos.security.audit.SecurityEvent.ActorType.USER,
            Optional.of("203.0.113.7"), Optional.empty(), Optional.empty());

    @BeforeAll
    static void setUp() {
        fx = new VaultFixture();
        vault = fx.open();
    }

    @AfterAll
    static void tearDown() {
        fx.close();
    }

    static <T> T ok(VaultResult<T> r) {
        assertThat(r).isInstanceOf(VaultResult.Ok.class);
        return ((VaultResult.Ok<T>) r).value();
    }

    @Test
    void everyProviderRoundTrips() {
        UUID org = fx.newOrg();
        ProviderSamples.VALID.forEach((provider, fields) -> {
            Stored s = ok(vault.storeCredentialsInVault(org, provider, "default", fields, ALICE));
            assertThat(s.created()).isTrue();
            assertThat(s.metadata().version()).isEqualTo(1);
            Revealed r = ok(vault.getCredentials(org, provider, "default", ALICE));
            assertThat(r.fields().revealValues()).as(provider).isEqualTo(fields);
        });
        // a fresh process (empty key cache) opens them too
        Vault again = fx.open();
        ProviderSamples.VALID.forEach((provider, fields) ->
                assertThat(ok(again.getCredentials(org, provider, "default", ALICE)).fields().revealValues()).isEqualTo(fields));
        assertThat(vault.listApiKeys(org, false)).hasSize(16);
    }

    @Test
    void aRevealWhoseAuditRecordCannotBeWrittenRevealsNothing() throws Exception {
        try (VaultFixture own = new VaultFixture(2)) {
            Vault v = own.open();
            UUID org = own.newOrg();
            ok(v.storeCredentialsInVault(org, "klaviyo", "default", Map.of("api_key", "pk_canary_audit_down"), ALICE));
            // The audit table refuses reveal events from now on (a real constraint, checked by PostgreSQL).
            own.db.run(c -> {
                try (var st = c.createStatement()) {
                    st.execute("ALTER TABLE audit_events ADD CONSTRAINT no_reveals CHECK (event_type <> 'API_KEY_ACCESSED') NOT VALID");
                }
                return null;
            });
            assertThatThrownBy(() -> v.getCredentials(org, "klaviyo", "default", ALICE))
                    .isInstanceOf(com.liftos.security.store.StoreException.class)
                    .hasMessageNotContaining("pk_canary_audit_down");
            // ...and the access log does not claim a reveal that never happened.
            assertThat(own.count("SELECT count(*) FROM vault_access_log WHERE org_id = ? AND success", org)).isZero();
            assertThat(v.metadata(org, "klaviyo", "default").orElseThrow().lastUsedAt()).isEmpty();
        }
    }

    @Test
    void aRefusedAuditWriteLeavesNoSuccessfulAccessRow() {
        // Writes audit inside their transaction as usual; every stand-alone record (the reveal's) is refused.
        AuditLog refusing = new AuditLog() {
            @Override
            public void record(SecurityEvent event) {
                throw new StoreException("audit write refused");
            }

            @Override
            public void record(java.sql.Connection transaction, SecurityEvent event) {
                fx.audit.record(transaction, event);
            }
        };
        Vault v = Vault.open(fx.db, refusing, fx.keyFile, fx.clock, new java.security.SecureRandom());
        UUID org = fx.newOrg();
        ok(v.storeCredentialsInVault(org, "stripe", "default", Map.of("secret_key", "sk_live_refused_audit"), ALICE));
        assertThatThrownBy(() -> v.getCredentials(org, "stripe", "default", ALICE)).isInstanceOf(StoreException.class);
        assertThat(fx.count("SELECT count(*) FROM vault_access_log WHERE org_id = ? AND success", org)).isZero();
        // The same credential through an audit log that works: one successful row, counted.
        ok(vault.getCredentials(org, "stripe", "default", ALICE));
        assertThat(fx.count("SELECT count(*) FROM vault_access_log WHERE org_id = ? AND success", org)).isEqualTo(1);
        assertThat(vault.metadata(org, "stripe", "default").orElseThrow().accessCount()).isEqualTo(1);
    }

    @Test
    void activeCountLeavesRevokedCredentialsOut() {
        UUID org = fx.newOrg();
        for (String name : List.of("one", "two", "three")) {
            ok(vault.storeCredentialsInVault(org, "klaviyo", name, Map.of("api_key", "pk_" + name), ALICE));
        }
        ok(vault.revokeApiKey(org, "klaviyo", "two", "test", ALICE));
        assertThat(vault.countActive(org)).isEqualTo(2);
        assertThat(vault.countActive(fx.newOrg())).isZero();
    }

    @Test
    void badShapeOfEveryProviderIsInvalidAndStoresNothing() {
        UUID org = fx.newOrg();
        ProviderSamples.BAD.forEach((provider, bad) -> {
            VaultResult<Stored> r = vault.storeCredentialsInVault(org, provider, "default", ProviderSamples.badFor(provider), ALICE);
            assertThat(r).isInstanceOf(VaultResult.Invalid.class);
            assertThat(String.join(" ", ((VaultResult.Invalid<Stored>) r).problems())).contains(bad.field()).doesNotContain(bad.value());
        });
        assertThat(vault.storeCredentialsInVault(org, "myspace", "default", Map.of("a", "b"), ALICE)).isInstanceOf(VaultResult.Invalid.class);
        assertThat(vault.storeCredentialsInVault(org, "klaviyo", "Bad Name!", Map.of("api_key", "pk_x1"), ALICE)).isInstanceOf(VaultResult.Invalid.class);
        assertThat(vault.listApiKeys(org, false)).isEmpty();
    }

    @Test
    void storeReplacesRotateIncrementsAndOnlyFiveVersionsStaySealed() {
        UUID org = fx.newOrg();
        assertThat(ok(vault.storeCredentialsInVault(org, "klaviyo", "default", Map.of("api_key", "pk_v1"), ALICE)).created()).isTrue();
        Stored replaced = ok(vault.storeCredentialsInVault(org, "klaviyo", "default", Map.of("api_key", "pk_v2"), ALICE));
        assertThat(replaced.created()).isFalse();
        assertThat(replaced.metadata().version()).isEqualTo(2);
        for (int i = 3; i <= 8; i++) {
            assertThat(ok(vault.rotateCredentials(org, "klaviyo", "default", Map.of("api_key", "pk_v" + i), ALICE)).version()).isEqualTo(i);
        }
        assertThat(ok(vault.getCredentials(org, "klaviyo", "default", ALICE)).fields().revealValues()).containsEntry("api_key", "pk_v8");
        UUID id = vault.metadata(org, "klaviyo", "default").orElseThrow().id();
        assertThat(fx.count("SELECT count(*) FROM vault_credential_versions WHERE credential_id = ?", id)).isEqualTo(5);
        assertThat(fx.count("SELECT min(version) FROM vault_credential_versions WHERE credential_id = ?", id)).isEqualTo(4);
        assertThat(vault.rotateCredentials(org, "klaviyo", "nope", Map.of("api_key", "pk_x"), ALICE)).isInstanceOf(VaultResult.NotFound.class);
    }

    @Test
    void ciphertextCopiedToAnotherRowOrOrganizationDoesNotOpen() {
        UUID orgA = fx.newOrg();
        UUID orgB = fx.newOrg();
        ok(vault.storeCredentialsInVault(orgA, "stripe", "default", Map.of("secret_key", "sk_live_AAAA"), ALICE));
        ok(vault.storeCredentialsInVault(orgA, "stripe", "backup", Map.of("secret_key", "sk_live_BBBB"), ALICE));
        ok(vault.storeCredentialsInVault(orgB, "stripe", "default", Map.of("secret_key", "sk_live_CCCC"), ALICE));
        UUID a = vault.metadata(orgA, "stripe", "default").orElseThrow().id();
        UUID aBackup = vault.metadata(orgA, "stripe", "backup").orElseThrow().id();
        UUID b = vault.metadata(orgB, "stripe", "default").orElseThrow().id();
        byte[] backupCt = fx.bytes("SELECT ciphertext FROM vault_credential_versions WHERE credential_id = ?", aBackup);
        byte[] aCt = fx.bytes("SELECT ciphertext FROM vault_credential_versions WHERE credential_id = ?", a);

        // another row, same org, same key: the key name in the associated data differs
        fx.update("UPDATE vault_credential_versions SET ciphertext = ? WHERE credential_id = ?", backupCt, a);
        assertThat(vault.getCredentials(orgA, "stripe", "default", ALICE)).isInstanceOf(VaultResult.IntegrityFailure.class);
        // another organization
        fx.update("UPDATE vault_credential_versions SET ciphertext = ? WHERE credential_id = ?", aCt, b);
        assertThat(vault.getCredentials(orgB, "stripe", "default", ALICE)).isInstanceOf(VaultResult.IntegrityFailure.class);
        // another version of the same row
        ok(vault.rotateCredentials(orgA, "stripe", "backup", Map.of("secret_key", "sk_live_DDDD"), ALICE));
        fx.update("UPDATE vault_credential_versions SET ciphertext = ? WHERE credential_id = ? AND version = 2", backupCt, aBackup);
        assertThat(vault.getCredentials(orgA, "stripe", "backup", ALICE)).isInstanceOf(VaultResult.IntegrityFailure.class);
        // putting the right bytes back opens again
        fx.update("UPDATE vault_credential_versions SET ciphertext = ? WHERE credential_id = ?", aCt, a);
        assertThat(ok(vault.getCredentials(orgA, "stripe", "default", ALICE)).fields().revealValues()).containsEntry("secret_key", "sk_live_AAAA");
        assertThat(fx.auditText()).contains("integrity_failure");
    }

    @Test
    void wrappedDataKeyMovedToAnotherOrganizationDoesNotOpen() {
        UUID orgA = fx.newOrg();
        UUID orgB = fx.newOrg();
        ok(vault.storeCredentialsInVault(orgA, "klaviyo", "default", Map.of("api_key", "pk_a"), ALICE));
        ok(vault.storeCredentialsInVault(orgB, "klaviyo", "default", Map.of("api_key", "pk_b"), ALICE));
        byte[] wrappedA = fx.bytes("SELECT wrapped FROM vault_wrapped_keys WHERE org_id = ?", orgA);
        fx.update("UPDATE vault_wrapped_keys SET wrapped = ? WHERE org_id = ?", wrappedA, orgB);
        Vault fresh = fx.open(); // no cached keys
        assertThat(fresh.getCredentials(orgB, "klaviyo", "default", ALICE)).isInstanceOf(VaultResult.IntegrityFailure.class);
        assertThat(ok(fresh.getCredentials(orgA, "klaviyo", "default", ALICE)).fields().revealValues()).containsEntry("api_key", "pk_a");
    }

    @Test
    void everyFlippedByteOfAStoredCiphertextFailsClosed() {
        UUID org = fx.newOrg();
        ok(vault.storeCredentialsInVault(org, "klaviyo", "default", Map.of("api_key", "pk_live_flipme"), ALICE));
        UUID id = vault.metadata(org, "klaviyo", "default").orElseThrow().id();
        byte[] original = fx.bytes("SELECT ciphertext FROM vault_credential_versions WHERE credential_id = ?", id);
        for (int i = 0; i < original.length; i++) {
            byte[] tampered = original.clone();
            tampered[i] ^= 0x01;
            fx.update("UPDATE vault_credential_versions SET ciphertext = ? WHERE credential_id = ?", tampered, id);
            assertThat(vault.getCredentials(org, "klaviyo", "default", ALICE)).as("byte " + i).isInstanceOf(VaultResult.IntegrityFailure.class);
        }
        fx.update("UPDATE vault_credential_versions SET ciphertext = ? WHERE credential_id = ?", java.util.Arrays.copyOf(original, 20), id);
        assertThat(vault.getCredentials(org, "klaviyo", "default", ALICE)).isInstanceOf(VaultResult.IntegrityFailure.class);
        fx.update("UPDATE vault_credential_versions SET ciphertext = ? WHERE credential_id = ?", original, id);
        assertThat(vault.getCredentials(org, "klaviyo", "default", ALICE)).isInstanceOf(VaultResult.Ok.class);
    }

    @Test
    void wrongMasterKeyIsRefusedAtStartAndWritesNothing() {
        long keks = fx.count("SELECT count(*) FROM vault_keks");
        long wrapped = fx.count("SELECT count(*) FROM vault_wrapped_keys");
        java.nio.file.Path wrong = fx.newRawKeyFile("wrong.key");
        assertThatThrownBy(() -> fx.open(wrong)).isInstanceOf(MasterKeyMismatchException.class)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not match this database").hasMessageNotContaining("\n");
        java.nio.file.Path passphrase = fx.writeKeyFile("wrong-pass.key", "not the right passphrase at all\n");
        assertThatThrownBy(() -> fx.open(passphrase)).isInstanceOf(MasterKeyMismatchException.class);
        assertThat(fx.count("SELECT count(*) FROM vault_keks")).isEqualTo(keks);
        assertThat(fx.count("SELECT count(*) FROM vault_wrapped_keys")).isEqualTo(wrapped);
    }

    @Test
    void passphraseMasterKeyIsStretchedWithTheStoredSaltAndChecked() {
        try (VaultFixture own = new VaultFixture(4)) {
            java.nio.file.Path pass = own.writeKeyFile("pass.key", "correct horse battery staple\n");
            Vault v = own.open(pass);
            UUID org = own.newOrg();
            ok(v.storeCredentialsInVault(org, "klaviyo", "default", Map.of("api_key", "pk_pass"), ALICE));
            assertThat(own.count("SELECT kdf_iterations FROM vault_settings")).isGreaterThanOrEqualTo(600_000);
            assertThat(ok(own.open(pass).getCredentials(org, "klaviyo", "default", ALICE)).fields().revealValues()).containsEntry("api_key", "pk_pass");
            java.nio.file.Path other = own.writeKeyFile("other.key", "correct horse battery stapler\n");
            assertThatThrownBy(() -> own.open(other)).isInstanceOf(MasterKeyMismatchException.class);
        }
    }

    @Test
    void revokedCredentialAnswersRevokedAndNothingStaysSealed() {
        UUID org = fx.newOrg();
        ok(vault.storeCredentialsInVault(org, "paypal", "default", Map.of("client_id", "c", "client_secret", "s", "environment", "live"), ALICE));
        ok(vault.rotateCredentials(org, "paypal", "default", Map.of("client_id", "c", "client_secret", "s2", "environment", "live"), ALICE));
        CredentialMetadata m = ok(vault.revokeApiKey(org, "paypal", "default", "leaked", ALICE));
        assertThat(m.status()).isEqualTo(CredentialMetadata.Status.REVOKED);
        assertThat(vault.getCredentials(org, "paypal", "default", ALICE)).isInstanceOf(VaultResult.Revoked.class);
        assertThat(vault.rotateCredentials(org, "paypal", "default", Map.of("client_id", "c", "client_secret", "s", "environment", "live"), ALICE))
                .isInstanceOf(VaultResult.Revoked.class);
        assertThat(fx.count("SELECT count(*) FROM vault_credential_versions WHERE credential_id = ?", m.id())).isZero();
        assertThat(vault.revokeApiKey(org, "paypal", "default", "again", ALICE)).isInstanceOf(VaultResult.Ok.class);
        assertThat(vault.revokeApiKey(org, "paypal", "missing", "x", ALICE)).isInstanceOf(VaultResult.NotFound.class);
        assertThat(fx.auditText()).contains("API_KEY_REVOKED");
    }

    @Test
    void revokeAllContainsABreach() {
        UUID org = fx.newOrg();
        UUID other = fx.newOrg();
        ok(vault.storeCredentialsInVault(org, "klaviyo", "default", Map.of("api_key", "pk_1"), ALICE));
        ok(vault.storeCredentialsInVault(org, "klaviyo", "second", Map.of("api_key", "pk_2"), ALICE));
        ok(vault.storeCredentialsInVault(other, "klaviyo", "default", Map.of("api_key", "pk_3"), ALICE));
        assertThat(vault.revokeAll(org, "data breach", Caller.system())).isEqualTo(2);
        assertThat(vault.getCredentials(org, "klaviyo", "second", ALICE)).isInstanceOf(VaultResult.Revoked.class);
        assertThat(vault.getCredentials(other, "klaviyo", "default", ALICE)).isInstanceOf(VaultResult.Ok.class);
        assertThat(vault.revokeAll(org, "again", Caller.system())).isZero();
    }

    @Test
    void shreddingTheOrganizationsKeysMakesEverythingUnrecoverable() {
        UUID org = fx.newOrg();
        UUID other = fx.newOrg();
        ok(vault.storeCredentialsInVault(org, "klaviyo", "default", Map.of("api_key", "pk_shred"), ALICE));
        ok(vault.storeCredentialsInVault(other, "klaviyo", "default", Map.of("api_key", "pk_keep"), ALICE));
        byte[] sealedSecret = vault.secrets().seal(org, "mfa.totp", new byte[] {1, 2, 3});
        assertThat(vault.shredOrganization(org, Caller.system())).isEqualTo(1);
        // even a row forced back to active cannot be opened: the ciphertext is still there, its key is not
        fx.update("UPDATE vault_credentials SET status = 'active' WHERE org_id = ?", org);
        fx.update("INSERT INTO vault_credential_versions SELECT id, 1, org_id, 1, ?, now(), NULL FROM vault_credentials WHERE org_id = ? ON CONFLICT DO NOTHING",
                new byte[40], org);
        assertThat(fx.count("SELECT count(*) FROM vault_data_keys WHERE org_id = ?", org)).isZero();
        assertThat(vault.getCredentials(org, "klaviyo", "default", ALICE)).isInstanceOf(VaultResult.IntegrityFailure.class);
        assertThat(fx.open().getCredentials(org, "klaviyo", "default", ALICE)).isInstanceOf(VaultResult.IntegrityFailure.class);
        assertThatThrownBy(() -> vault.secrets().open(org, "mfa.totp", sealedSecret)).isInstanceOf(DecryptionFailedException.class);
        assertThat(ok(vault.getCredentials(other, "klaviyo", "default", ALICE)).fields().revealValues()).containsEntry("api_key", "pk_keep");
        assertThat(fx.auditText()).contains("crypto_shred_vault_keys");
    }

    @Test
    void secretsAreBoundToOrganizationAndPurpose() {
        UUID org = fx.newOrg();
        UUID other = fx.newOrg();
        byte[] secret = "JBSWY3DPEHPK3PXP".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] sealed = vault.secrets().seal(org, "mfa.totp:user-1", secret);
        assertThat(new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("JBSWY3DPEHPK3PXP");
        assertThat(vault.secrets().open(org, "mfa.totp:user-1", sealed)).isEqualTo(secret);
        assertThat(fx.open().secrets().open(org, "mfa.totp:user-1", sealed)).isEqualTo(secret);
        assertThatThrownBy(() -> vault.secrets().open(org, "mfa.totp:user-2", sealed)).isInstanceOf(DecryptionFailedException.class);
        vault.secrets().seal(other, "x", new byte[1]);
        assertThatThrownBy(() -> vault.secrets().open(other, "mfa.totp:user-1", sealed)).isInstanceOf(DecryptionFailedException.class);
        assertThatThrownBy(() -> vault.secrets().seal(org, "Bad Purpose", secret)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rotationDueAfterNinetyDays() {
        try (VaultFixture own = new VaultFixture(4)) {
            Vault v = own.open();
            UUID org = own.newOrg();
            ok(v.storeCredentialsInVault(org, "klaviyo", "old", Map.of("api_key", "pk_old"), ALICE));
            own.clock.advance(Duration.ofDays(60));
            ok(v.storeCredentialsInVault(org, "klaviyo", "newer", Map.of("api_key", "pk_new"), ALICE));
            assertThat(v.countDueForRotation(org)).isZero();
            own.clock.advance(Duration.ofDays(31));
            assertThat(v.countDueForRotation(org)).isEqualTo(1);
            List<CredentialMetadata> due = v.listApiKeys(org, true);
            assertThat(due).extracting(CredentialMetadata::keyName).containsExactly("old");
            assertThat(due.get(0).rotationDueAt()).isEqualTo(due.get(0).rotatedAt().plus(Duration.ofDays(90)));
            ok(v.rotateCredentials(org, "klaviyo", "old", Map.of("api_key", "pk_rotated"), ALICE));
            assertThat(v.countDueForRotation(org)).isZero();
        }
    }

    @Test
    void usageAnalyticsCountsAccessesCallersNetworksAndHours() {
        try (VaultFixture own = new VaultFixture(4)) {
            Vault v = own.open();
            UUID org = own.newOrg();
            ok(v.storeCredentialsInVault(org, "klaviyo", "default", Map.of("api_key", "pk_a"), ALICE));
            ok(v.storeCredentialsInVault(org, "stripe", "default", Map.of("secret_key", "sk_test_x"), ALICE));
            Caller bob = new Caller(Optional.of(UUID.randomUUID()), com.liftos.security.audit.SecurityEvent.ActorType.SERVICE_ACCOUNT,
                    Optional.of("203.0.113.200"), Optional.empty(), Optional.empty());
            Caller carol = new Caller(Optional.of(UUID.randomUUID()), com.liftos.security.audit.SecurityEvent.ActorType.USER,
                    Optional.of("2001:db8:1:2::7"), Optional.empty(), Optional.empty());
            v.getCredentials(org, "klaviyo", "default", ALICE);
            v.getCredentials(org, "klaviyo", "default", bob);
            own.clock.advance(Duration.ofHours(25));
            v.getCredentials(org, "klaviyo", "default", carol);
            v.revokeApiKey(org, "klaviyo", "default", "done", ALICE);
            v.getCredentials(org, "klaviyo", "default", carol);
            v.getCredentials(org, "stripe", "default", bob);

            UsageAnalytics all = v.getUsageAnalytics(org, Optional.empty(), 30);
            assertThat(all.credentials()).extracting(UsageAnalytics.KeyUsage::provider).containsExactly("klaviyo", "stripe");
            UsageAnalytics.KeyUsage k = v.getUsageAnalytics(org, Optional.of("klaviyo"), 30).credentials().get(0);
            assertThat(k.total()).isEqualTo(4);
            assertThat(k.successCount()).isEqualTo(3);
            assertThat(k.errorCount()).isEqualTo(1);
            assertThat(k.successRate()).isEqualTo(0.75);
            assertThat(k.distinctCallers()).isEqualTo(3);
            assertThat(k.distinctClientNetworks()).isEqualTo(2); // 203.0.113.0/24 twice, one /64
            assertThat(k.accessesPerDay().values()).containsExactly(2L, 2L);
            assertThat(k.accessesByHour()).hasSize(24);
            assertThat(k.accessesByHour().get(10)).isEqualTo(2);
            assertThat(k.accessesByHour().get(11)).isEqualTo(2);
            assertThat(v.getUsageAnalytics(org, Optional.of("meta"), 30).credentials()).isEmpty();
            CredentialMetadata m = v.metadata(org, "klaviyo", "default").orElseThrow();
            assertThat(m.accessCount()).isEqualTo(4);
            assertThat(m.lastUsedBy()).isEqualTo(carol.actorId());
        }
    }

    @Test
    void unknownFieldIsRefusedAndNotStored() {
        UUID org = fx.newOrg();
        Map<String, String> m = new HashMap<>(ProviderSamples.VALID.get("zoho"));
        m.put("extra", "x");
        assertThat(vault.storeCredentialsInVault(org, "zoho", "default", m, ALICE)).isInstanceOf(VaultResult.Invalid.class);
        assertThat(vault.metadata(org, "zoho", "default")).isEmpty();
    }
}
