package com.liftos.security.keys;

import com.liftos.security.crypto.Aead;
import com.liftos.security.crypto.MasterKey;
import com.liftos.security.store.Db;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The keyring's share of a master-key rotation (driven by the vault's {@code MasterKeyRotation}): copies under the new
 * term beside the old ones, a completeness check and the deletion of the old copies inside the rotation's final
 * transaction. Every step may run again after an interruption. The keys themselves do not change, so instances
 * already running keep theirs.
 */
public final class KeyringRewrap {
    private KeyringRewrap() {}

    /** Wraps under {@code next} every key of term {@code currentId} that has no copy under {@code nextId} yet; returns how many. */
    public static int copy(Db db, MasterKey current, int currentId, MasterKey next, int nextId, SecureRandom random) {
        Aead aead = new Aead(random);
        List<KeyringRows.Row> rows = db.run(c -> missing(c, currentId, nextId));
        List<byte[]> rewrapped = new ArrayList<>(rows.size());
        for (KeyringRows.Row row : rows) {
            KeyMaterial key = KeyringSeal.unwrap(current, currentId, row.purpose(), row.wrapped());
            try {
                rewrapped.add(KeyringSeal.wrap(aead, next, nextId, row.purpose(), key));
            } finally {
                key.wipe();
            }
        }
        return db.tx(c -> {
            int n = 0;
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO keyring_keys (purpose, kek_id, wrapped, origin, created_at)
                    SELECT purpose, ?, ?, origin, created_at FROM keyring_keys WHERE purpose = ? AND kek_id = ?
                    ON CONFLICT DO NOTHING""")) {
                for (int i = 0; i < rows.size(); i++) {
                    ps.setInt(1, nextId);
                    ps.setBytes(2, rewrapped.get(i));
                    ps.setString(3, rows.get(i).purpose().stored());
                    ps.setInt(4, currentId);
                    n += ps.executeUpdate();
                }
            }
            return n;
        });
    }

    /** How many keys of term {@code currentId} still lack a copy under {@code nextId}. */
    public static int missingCount(Connection c, int currentId, int nextId) throws SQLException {
        return missing(c, currentId, nextId).size();
    }

    /** Deletes the copies under a term the rotation retires; returns how many. */
    public static int dropTerm(Connection c, int kekId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM keyring_keys WHERE kek_id = ?")) {
            ps.setInt(1, kekId);
            return ps.executeUpdate();
        }
    }

    /** Opens every key under {@code nextId} with {@code next}: the rotation ends only with everything openable. */
    public static int verify(Db db, MasterKey next, int nextId) {
        return db.run(c -> {
            var keys = KeyringRows.open(c, next, nextId);
            keys.values().forEach(KeyMaterial::wipe);
            return keys.size();
        });
    }

    private static List<KeyringRows.Row> missing(Connection c, int currentId, int nextId) throws SQLException {
        List<KeyringRows.Row> out = new ArrayList<>();
        for (KeyringRows.Row row : KeyringRows.under(c, currentId)) {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM keyring_keys WHERE purpose = ? AND kek_id = ?")) {
                ps.setString(1, row.purpose().stored());
                ps.setInt(2, nextId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        out.add(row);
                    }
                }
            }
        }
        return out;
    }
}
