package com.liftos.security.keys;

import com.liftos.security.crypto.MasterKey;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The master key this process runs with, as the vault checked it against the database: its term (the id of its row
 * in {@code vault_keks}, which the vault owns, with the key check value that refuses a wrong key) and the key.
 * The keyring wraps under it and names the term in every wrapped key.
 */
public interface MasterKeyTerm {
    int id();

    MasterKey key();

    /**
     * Inside {@code c}'s transaction: holds the term (a share lock until commit, so a master-key rotation cannot
     * finish meanwhile) and tells whether it is still the active one.
     */
    boolean holdActive(Connection c) throws SQLException;
}
