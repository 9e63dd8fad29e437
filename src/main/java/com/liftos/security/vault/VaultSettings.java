package com.liftos.security.vault;

import com.liftos.security.crypto.MasterKey;
import com.liftos.security.store.Db;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/** The installation's PBKDF2 salt and iteration count, created once on first start. */
record VaultSettings(byte[] kdfSalt, int kdfIterations) {

    static VaultSettings ensure(Db db, SecureRandom random) {
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO vault_settings (id, kdf_salt, kdf_iterations) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING")) {
                ps.setBytes(1, salt);
                ps.setInt(2, MasterKey.MIN_PBKDF2_ITERATIONS);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT kdf_salt, kdf_iterations FROM vault_settings WHERE id = 1");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new VaultSettings(rs.getBytes(1), rs.getInt(2));
            }
        });
    }

    MasterKey load(Path keyFile) {
        return MasterKey.load(keyFile, kdfSalt, kdfIterations);
    }
}
