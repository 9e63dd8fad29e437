package com.liftos.security.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.audit.SecurityEvent;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Credential versions (metadata only) and rollback: the earlier values come back as a new version, open correctly
 * (also after a master-key rotation re-wrapped every data key), and every refusal changes nothing.
 */
class CredentialRollbackTest {
    static final Caller ALICE = new Caller(Optional.of(UUID.randomUUID()), SecurityEvent.ActorType.USER,
            Optional.of("203.0.113.7"), Optional.empty(), Optional.empty());
    VaultFixture fx;
    Vault vault;

    @BeforeEach
    void setUp() {
        fx = new VaultFixture();
        vault = fx.open();
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    static Map<String, String> key(String suffix) {
        return Map.of("api_key", "pk_live_" + suffix);
    }

    Map<String, String> revealed(Vault v, UUID org) {
        return VaultTest.ok(v.getCredentials(org, "klaviyo", "default", ALICE)).fields().revealValues();
    }

    @Test
    void rollbackSealsTheEarlierValuesAsANewVersionAlsoAfterAMasterKeyRotation() {
        UUID org = fx.newOrg();
        VaultTest.ok(vault.storeCredentialsInVault(org, "klaviyo", "default", key("first111"), ALICE));
        fx.clock.advance(Duration.ofMinutes(1));
        VaultTest.ok(vault.rotateCredentials(org, "klaviyo", "default", key("second22"), ALICE));
        fx.clock.advance(Duration.ofMinutes(1));
        VaultTest.ok(vault.rotateCredentials(org, "klaviyo", "default", key("broken33"), ALICE));

        List<CredentialVersion> versions = vault.versions(org, "klaviyo", "default").orElseThrow();
        assertThat(versions).extracting(CredentialVersion::version).containsExactly(3, 2, 1);
        assertThat(versions).extracting(CredentialVersion::current).containsExactly(true, false, false);
        assertThat(versions.get(0).createdBy()).isEqualTo(ALICE.actorId());

        fx.clock.advance(Duration.ofMinutes(1));
        CredentialMetadata rolled = VaultTest.ok(vault.rollbackCredentials(org, "klaviyo", "default", 2, "bad rotation", ALICE));
        assertThat(rolled.version()).isEqualTo(4);
        assertThat(revealed(vault, org)).isEqualTo(key("second22"));
        CredentialVersion made = vault.versions(org, "klaviyo", "default").orElseThrow().get(0);
        assertThat(made.version()).isEqualTo(4);
        assertThat(made.current()).isTrue();
        assertThat(made.restoredFrom()).contains(2);
        assertThat(made.reason()).contains("bad rotation");
        // the rotation clock restarts from when those values were made
        assertThat(rolled.rotatedAt()).isEqualTo(versions.get(1).createdAt());

        // a master-key rotation re-wraps every data key: the earlier versions still open, and roll back
        Path newKey = fx.newRawKeyFile("next-master.key");
        new MasterKeyRotation(fx.db, fx.audit, fx.clock, new SecureRandom(), Duration.ZERO, line -> { }).run(fx.keyFile, newKey);
        Vault after = fx.open(newKey);
        assertThat(revealed(after, org)).isEqualTo(key("second22"));
        assertThat(VaultTest.ok(after.rollbackCredentials(org, "klaviyo", "default", 1, null, ALICE)).version()).isEqualTo(5);
        assertThat(revealed(after, org)).isEqualTo(key("first111"));
        // and the rollback itself can be undone (append-only history)
        assertThat(VaultTest.ok(after.rollbackCredentials(org, "klaviyo", "default", 3, "undo", ALICE)).version()).isEqualTo(6);
        assertThat(revealed(after, org)).isEqualTo(key("broken33"));
        assertThat(fx.open(newKey).versions(org, "klaviyo", "default").orElseThrow()).extracting(CredentialVersion::version)
                .containsExactly(6, 5, 4, 3, 2);

        String audit = fx.auditText();
        assertThat(audit).contains("rollback_credentials").contains("bad rotation").contains("\"restored_from\": 2");
        for (String value : List.of("first111", "second22", "broken33")) {
            assertThat(audit).doesNotContain(value);
        }
    }

    @Test
    void refusalsChangeNothing() {
        UUID org = fx.newOrg();
        UUID other = fx.newOrg();
        VaultTest.ok(vault.storeCredentialsInVault(org, "klaviyo", "default", key("aaaa1111"), ALICE));
        for (int i = 0; i < 6; i++) {
            VaultTest.ok(vault.rotateCredentials(org, "klaviyo", "default", key("rot" + i + "xxxxx"), ALICE));
        }
        // version 7 is current; 3..7 are kept
        assertThat(vault.rollbackCredentials(org, "klaviyo", "default", 7, "", ALICE)).isInstanceOf(VaultResult.Invalid.class);
        assertThat(vault.rollbackCredentials(org, "klaviyo", "default", 8, "", ALICE)).isInstanceOf(VaultResult.Invalid.class);
        assertThat(vault.rollbackCredentials(org, "klaviyo", "default", 0, "", ALICE)).isInstanceOf(VaultResult.Invalid.class);
        assertThat(vault.rollbackCredentials(org, "klaviyo", "default", 2, "", ALICE)).isInstanceOf(VaultResult.NotFound.class);
        assertThat(vault.rollbackCredentials(other, "klaviyo", "default", 3, "", ALICE)).isInstanceOf(VaultResult.NotFound.class);
        assertThat(vault.rollbackCredentials(org, "klaviyo", "nope", 3, "", ALICE)).isInstanceOf(VaultResult.NotFound.class);
        assertThat(vault.rollbackCredentials(org, "nosuch", "default", 3, "", ALICE)).isInstanceOf(VaultResult.NotFound.class);
        assertThat(vault.versions(other, "klaviyo", "default")).isEmpty();
        assertThat(vault.metadata(org, "klaviyo", "default").orElseThrow().version()).isEqualTo(7);
        assertThat(revealed(vault, org)).isEqualTo(key("rot5xxxxx"));
        // a tampered earlier version is an integrity failure, not a rollback to garbage
        fx.db.run(c -> {
            try (var ps = c.prepareStatement("UPDATE vault_credential_versions SET ciphertext = ciphertext || '\\x00'::bytea "
                    + "WHERE org_id = ? AND version = 4")) {
                ps.setObject(1, org);
                return ps.executeUpdate();
            }
        });
        assertThat(vault.rollbackCredentials(org, "klaviyo", "default", 4, "", ALICE)).isInstanceOf(VaultResult.IntegrityFailure.class);
        assertThat(vault.metadata(org, "klaviyo", "default").orElseThrow().version()).isEqualTo(7);
        // revoked: every sealed version was destroyed
        VaultTest.ok(vault.revokeApiKey(org, "klaviyo", "default", "leak", ALICE));
        assertThat(vault.rollbackCredentials(org, "klaviyo", "default", 5, "", ALICE)).isInstanceOf(VaultResult.Revoked.class);
        assertThat(vault.versions(org, "klaviyo", "default")).contains(List.of());
    }
}
