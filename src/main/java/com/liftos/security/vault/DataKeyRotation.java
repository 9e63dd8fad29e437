package com.liftos.security.vault;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.crypto.AesKey;
import com.liftos.security.crypto.DecryptionFailedException;
import com.liftos.security.store.Db;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * {@code liftos vault rotate-data-keys [--org ID]}: gives each organization a new data key and re-seals its stored
 * credential versions under it, in committed batches. A run that finds credentials still sealed under an older
 * key of the org resumes (finishes them) instead of creating another key, so a killed run is finished by running
 * the command again. Older data keys stay, retired: they still open secrets sealed by other features.
 */
public final class DataKeyRotation {
    /** Per run: organizations rotated (or resumed) and credential versions re-sealed. */
    public record Result(int organizations, int credentialsResealed) {}

    private final Db db;
    private final AuditLog audit;
    private final Keyring keyring;
    private final CredentialCipher cipher;
    private final Clock clock;
    private final Duration pausePerCredential;
    private final Consumer<String> progress;

    public DataKeyRotation(Db db, AuditLog audit, Path masterKeyFile, Clock clock, SecureRandom random,
                           Duration pausePerCredential, Consumer<String> progress) {
        this.db = db;
        this.audit = audit;
        this.keyring = Keyring.open(db, masterKeyFile, clock, random);
        this.cipher = new CredentialCipher(keyring.aead());
        this.clock = clock;
        this.pausePerCredential = pausePerCredential;
        this.progress = progress;
    }

    private record Sealed(UUID credentialId, int version, int dataKeyVersion, String provider, String keyName, byte[] ciphertext) {}

    public Result run(Optional<UUID> onlyOrg) {
        List<UUID> orgs = onlyOrg.map(List::of).orElseGet(() -> db.run(c -> {
            List<UUID> all = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT org_id FROM vault_data_keys ORDER BY org_id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    all.add(rs.getObject(1, UUID.class));
                }
            }
            return all;
        }));
        int resealed = 0;
        for (UUID org : orgs) {
            resealed += rotate(org);
        }
        return new Result(orgs.size(), resealed);
    }

    private int rotate(UUID orgId) {
        int target = db.tx(c -> {
            Optional<Integer> active = keyring.activeVersion(c, orgId);
            if (active.isPresent() && stale(c, orgId, active.get()) > 0) {
                progress.accept("organization " + orgId + ": resuming re-seal under data key " + active.get());
                return active.get();
            }
            int v = active.isPresent() ? keyring.rotateDataKey(c, orgId).version() : keyring.activeDataKey(c, orgId).version();
            progress.accept("organization " + orgId + ": new data key " + v);
            return v;
        });
        int batchSize = pausePerCredential.isZero() ? 200 : 1;
        int resealed = 0;
        while (true) {
            int n = db.tx(c -> resealBatch(c, orgId, target, batchSize));
            if (n == 0) {
                break;
            }
            resealed += n;
        }
        Instant now = clock.instant();
        int total = resealed;
        audit.record(SecurityEvent.builder(SecurityEventType.KEY_ROTATION, "data_key_rotated").org(orgId)
                .resource("vault:data-key:" + orgId + ":" + target).detail("data_key_version", target)
                .detail("credentials_resealed", total).risk(0.2).build(now));
        progress.accept("organization " + orgId + ": " + total + " credential versions re-sealed under data key " + target);
        return total;
    }

    private static long stale(Connection c, UUID orgId, int target) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM vault_credential_versions WHERE org_id = ? AND data_key_version <> ?")) {
            ps.setObject(1, orgId);
            ps.setInt(2, target);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private int resealBatch(Connection c, UUID orgId, int target, int limit) throws SQLException {
        List<Sealed> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT v.credential_id, v.version, v.data_key_version, cr.provider, cr.key_name, v.ciphertext
                FROM vault_credential_versions v JOIN vault_credentials cr ON cr.id = v.credential_id
                WHERE v.org_id = ? AND v.data_key_version <> ? ORDER BY v.credential_id, v.version LIMIT ? FOR UPDATE OF v""")) {
            ps.setObject(1, orgId);
            ps.setInt(2, target);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Sealed(rs.getObject(1, UUID.class), rs.getInt(2), rs.getInt(3), rs.getString(4), rs.getString(5), rs.getBytes(6)));
                }
            }
        }
        AesKey targetKey = keyring.dataKey(c, orgId, target);
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE vault_credential_versions SET ciphertext = ?, data_key_version = ? WHERE credential_id = ? AND version = ?")) {
            for (Sealed s : rows) {
                CredentialCipher.Binding binding = new CredentialCipher.Binding(orgId, s.provider(), s.keyName(), s.version());
                SecretFields fields;
                try {
                    fields = cipher.open(binding, (org, v) -> dataKey(c, org, v), s.ciphertext());
                } catch (DecryptionFailedException e) {
                    throw new IllegalStateException("a stored credential of organization " + orgId + " (" + s.provider() + "/"
                            + s.keyName() + " version " + s.version() + ") failed its integrity check; data-key rotation stopped");
                }
                ps.setBytes(1, cipher.seal(binding, targetKey, target, fields));
                ps.setInt(2, target);
                ps.setObject(3, s.credentialId());
                ps.setInt(4, s.version());
                ps.addBatch();
                pause();
            }
            ps.executeBatch();
        }
        return rows.size();
    }

    private AesKey dataKey(Connection c, UUID orgId, int version) {
        try {
            return keyring.dataKey(c, orgId, version);
        } catch (SQLException e) {
            throw new com.liftos.security.store.StoreException("database error: " + e.getSQLState(), e);
        }
    }

    private void pause() {
        if (pausePerCredential.isZero()) {
            return;
        }
        try {
            Thread.sleep(pausePerCredential.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("data-key rotation interrupted; run it again to finish");
        }
    }
}
