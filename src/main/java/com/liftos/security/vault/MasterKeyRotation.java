package com.liftos.security.vault;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.crypto.Aead;
import com.liftos.security.crypto.AesKey;
import com.liftos.security.crypto.MasterKey;
import com.liftos.security.keys.KeyringRewrap;
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
 * {@code liftos vault rotate-master-key}: re-wraps every organization's data keys, and the instance keyring's keys
 * ({@link KeyringRewrap}: service key, audit signing key), under a new KEK. Work is proportional to data keys
 * (organizations), never to credentials.
 *
 * <p>Crash safety: the new KEK is recorded as {@code pending} first; each batch of re-wrapped copies commits on
 * its own, next to the old copies; a final transaction makes the new KEK active, retires the old one and deletes
 * the old copies. Killed at any moment, running the command again with the same two keys finishes the job, and
 * until the final step a service running with the old key keeps opening everything.
 */
public final class MasterKeyRotation {
    /** The outcome; {@code alreadyDone} when the new key was already active (a previous run finished). */
    public record Result(boolean alreadyDone, int newKekId, int dataKeysRewrapped, long organizations) {}

    private final Db db;
    private final AuditLog audit;
    private final Clock clock;
    private final SecureRandom random;
    private final Duration pausePerKey;
    private final Consumer<String> progress;

    /** {@code pausePerKey} is a testing aid (slows each re-wrap so a test can kill the process mid-way); normally zero. */
    public MasterKeyRotation(Db db, AuditLog audit, Clock clock, SecureRandom random, Duration pausePerKey, Consumer<String> progress) {
        this.db = db;
        this.audit = audit;
        this.clock = clock;
        this.random = random;
        this.pausePerKey = pausePerKey;
        this.progress = progress;
    }

    private record Wrapped(UUID orgId, int version, byte[] wrapped) {}

    public Result run(Path currentKeyFile, Path newKeyFile) {
        VaultSettings settings = VaultSettings.ensure(db, random);
        MasterKey current = settings.load(currentKeyFile);
        MasterKey next = settings.load(newKeyFile);
        if (current.matches(next.checkValue())) {
            throw new IllegalStateException("--new-key-file holds the current master key; generate a new key first");
        }
        List<Keyring.Kek> keks = db.run(Keyring::keks);
        Optional<Keyring.Kek> currentRow = keks.stream().filter(k -> current.matches(k.checkValue())).findFirst();
        Optional<Keyring.Kek> nextRow = keks.stream().filter(k -> next.matches(k.checkValue())).findFirst();
        if (nextRow.filter(k -> k.state() == Keyring.KekState.ACTIVE).isPresent()) {
            progress.accept("master key already rotated to " + newKeyFile + "; set MASTER_ENCRYPTION_KEY_PATH to it and restart the service");
            return new Result(true, nextRow.get().id(), 0, organizations());
        }
        if (currentRow.filter(k -> k.state() == Keyring.KekState.ACTIVE).isEmpty()) {
            throw new MasterKeyMismatchException("master encryption key " + currentKeyFile
                    + " is not the active master key of this database; MASTER_ENCRYPTION_KEY_PATH must name the current key");
        }
        int currentId = currentRow.get().id();
        Optional<Keyring.Kek> pending = keks.stream().filter(k -> k.state() == Keyring.KekState.PENDING).findFirst();
        int newId;
        if (pending.isPresent()) {
            if (!next.matches(pending.get().checkValue())) {
                throw new IllegalStateException("an unfinished master-key rotation targets a different key; "
                        + "finish it by running this command with that key file");
            }
            newId = pending.get().id();
            progress.accept("resuming master-key rotation to KEK " + newId);
        } else if (nextRow.isPresent()) {
            throw new IllegalStateException("--new-key-file holds a retired master key; generate a new key");
        } else {
            newId = keks.stream().mapToInt(Keyring.Kek::id).max().orElse(0) + 1;
            Instant now = clock.instant();
            db.tx(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO vault_keks (id, check_value, state) VALUES (?, ?, 'pending')")) {
                    ps.setInt(1, newId);
                    ps.setBytes(2, next.checkValue());
                    ps.executeUpdate();
                }
                audit.record(c, SecurityEvent.builder(SecurityEventType.KEY_ROTATION, "master_key_rotation_started")
                        .resource("vault:kek:" + newId).detail("from_kek", currentId).detail("to_kek", newId).risk(0.3).build(now));
                return null;
            });
            progress.accept("master-key rotation started: KEK " + currentId + " -> KEK " + newId);
        }

        Aead aead = new Aead(random);
        int batchSize = pausePerKey.isZero() ? 500 : 1;
        int rewrapped = 0;
        int keyringRewrapped = 0;
        while (true) {
            List<Wrapped> batch = db.run(c -> missing(c, currentId, newId, batchSize));
            if (batch.isEmpty()) {
                keyringRewrapped += KeyringRewrap.copy(db, current, currentId, next, newId, random);
                if (finish(currentId, newId)) {
                    break;
                }
                continue;
            }
            List<Wrapped> out = new ArrayList<>(batch.size());
            for (Wrapped w : batch) {
                AesKey dataKey = KeyWrap.unwrap(current.key(), currentId, w.orgId(), w.version(), w.wrapped());
                out.add(new Wrapped(w.orgId(), w.version(), KeyWrap.wrap(aead, next.key(), newId, w.orgId(), w.version(), dataKey)));
                pause();
            }
            db.tx(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO vault_wrapped_keys (org_id, version, kek_id, wrapped) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                    for (Wrapped w : out) {
                        ps.setObject(1, w.orgId());
                        ps.setInt(2, w.version());
                        ps.setInt(3, newId);
                        ps.setBytes(4, w.wrapped());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                return null;
            });
            rewrapped += out.size();
        }
        int verified = verify(next, newId);
        int keyringVerified = KeyringRewrap.verify(db, next, newId);
        progress.accept("master-key rotation finished: " + rewrapped + " data keys and " + keyringRewrapped
                + " keyring keys re-wrapped in this run, " + verified + " data keys and " + keyringVerified + " keyring keys verified under KEK "
                + newId + "; now set MASTER_ENCRYPTION_KEY_PATH to " + newKeyFile + " and restart the service");
        return new Result(false, newId, rewrapped, organizations());
    }

    private void pause() {
        if (pausePerKey.isZero()) {
            return;
        }
        try {
            Thread.sleep(pausePerKey.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("master-key rotation interrupted; run it again to finish");
        }
    }

    private static List<Wrapped> missing(Connection c, int currentId, int newId, int limit) throws SQLException {
        List<Wrapped> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT w.org_id, w.version, w.wrapped FROM vault_wrapped_keys w
                WHERE w.kek_id = ? AND NOT EXISTS (SELECT 1 FROM vault_wrapped_keys n
                    WHERE n.org_id = w.org_id AND n.version = w.version AND n.kek_id = ?)
                ORDER BY w.org_id, w.version LIMIT ?""")) {
            ps.setInt(1, currentId);
            ps.setInt(2, newId);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Wrapped(rs.getObject(1, UUID.class), rs.getInt(2), rs.getBytes(3)));
                }
            }
        }
        return rows;
    }

    /** Switches KEKs once every data key has a copy under the new one; false when new keys appeared meanwhile. */
    private boolean finish(int currentId, int newId) {
        Instant now = clock.instant();
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM vault_keks WHERE id IN (?, ?) FOR UPDATE")) {
                ps.setInt(1, currentId);
                ps.setInt(2, newId);
                ps.executeQuery().close();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT count(*) FROM vault_data_keys d WHERE NOT EXISTS (SELECT 1 FROM vault_wrapped_keys n
                        WHERE n.org_id = d.org_id AND n.version = d.version AND n.kek_id = ?)""")) {
                ps.setInt(1, newId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return false;
                    }
                }
            }
            if (KeyringRewrap.missingCount(c, currentId, newId) > 0) {
                return false;
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE vault_keks SET state = 'retired', retired_at = ? WHERE id = ?")) {
                ps.setTimestamp(1, java.sql.Timestamp.from(now));
                ps.setInt(2, currentId);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE vault_keks SET state = 'active', activated_at = ? WHERE id = ?")) {
                ps.setTimestamp(1, java.sql.Timestamp.from(now));
                ps.setInt(2, newId);
                ps.executeUpdate();
            }
            int dropped;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM vault_wrapped_keys WHERE kek_id = ?")) {
                ps.setInt(1, currentId);
                dropped = ps.executeUpdate();
            }
            KeyringRewrap.dropTerm(c, currentId);
            audit.record(c, SecurityEvent.builder(SecurityEventType.KEY_ROTATION, "master_key_rotated")
                    .resource("vault:kek:" + newId).detail("from_kek", currentId).detail("to_kek", newId)
                    .detail("data_keys", dropped).risk(0.3).build(now));
            return true;
        });
    }

    /** Opens every data key under the new KEK: the rotation ends only with everything decryptable. */
    private int verify(MasterKey next, int newId) {
        return db.run(c -> {
            int n = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT org_id, version, wrapped FROM vault_wrapped_keys WHERE kek_id = ?")) {
                ps.setInt(1, newId);
                ps.setFetchSize(1000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        KeyWrap.unwrap(next.key(), newId, rs.getObject(1, UUID.class), rs.getInt(2), rs.getBytes(3));
                        n++;
                    }
                }
            }
            return n;
        });
    }

    private long organizations() {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(DISTINCT org_id) FROM vault_data_keys");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
