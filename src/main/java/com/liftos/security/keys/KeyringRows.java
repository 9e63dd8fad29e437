package com.liftos.security.keys;

import com.liftos.security.crypto.DecryptionFailedException;
import com.liftos.security.crypto.MasterKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The SQL of {@code keyring_keys}. */
final class KeyringRows {
    /** How a key came to be: created here, or read from an earlier release's key file. */
    enum Origin { GENERATED, IMPORTED }

    record Row(KeyPurpose purpose, byte[] wrapped) {}

    private KeyringRows() {}

    static List<Row> under(Connection c, int kekId) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT purpose, wrapped FROM keyring_keys WHERE kek_id = ? ORDER BY purpose")) {
            ps.setInt(1, kekId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(KeyPurpose.ofStored(rs.getString(1)), rs.getBytes(2)));
                }
            }
        }
        return rows;
    }

    /** The purposes that have a key under any term. */
    static Set<KeyPurpose> present(Connection c) throws SQLException {
        Set<KeyPurpose> out = EnumSet.noneOf(KeyPurpose.class);
        try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT purpose FROM keyring_keys");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(KeyPurpose.ofStored(rs.getString(1)));
            }
        }
        return out;
    }

    /** Every key under {@code kekId}, unwrapped; a key that does not open fails by purpose, never by content. */
    static Map<KeyPurpose, KeyMaterial> open(Connection c, MasterKey master, int kekId) throws SQLException {
        Map<KeyPurpose, KeyMaterial> keys = new EnumMap<>(KeyPurpose.class);
        for (Row row : under(c, kekId)) {
            try {
                keys.put(row.purpose(), KeyringSeal.unwrap(master, kekId, row.purpose(), row.wrapped()));
            } catch (DecryptionFailedException e) {
                throw new KeyringException("the " + row.purpose().title() + " in the database keyring does not open with this"
                        + " master key (the row was altered or moved); restore it from a backup");
            }
        }
        return keys;
    }

    /**
     * Stores {@code wrapped} as the purpose's key unless the purpose already has one (under any term). Concurrent
     * first starts race here: the primary key makes all but one insert do nothing, and each then reads the winner.
     */
    static void insertIfNone(Connection c, KeyPurpose purpose, int kekId, byte[] wrapped, Origin origin) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO keyring_keys (purpose, kek_id, wrapped, origin)
                SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM keyring_keys WHERE purpose = ?)
                ON CONFLICT DO NOTHING""")) {
            ps.setString(1, purpose.stored());
            ps.setInt(2, kekId);
            ps.setBytes(3, wrapped);
            ps.setString(4, origin.name().toLowerCase(java.util.Locale.ROOT));
            ps.setString(5, purpose.stored());
            ps.executeUpdate();
        }
    }
}
