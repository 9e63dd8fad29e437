package com.liftos.security.vault;

import com.liftos.security.crypto.Aead;
import com.liftos.security.crypto.AesKey;
import com.liftos.security.crypto.DecryptionFailedException;
import com.liftos.security.crypto.KeyFileException;
import com.liftos.security.crypto.KeyFiles;
import com.liftos.security.crypto.MasterKey;
import com.liftos.security.keys.MasterKeyTerm;
import com.liftos.security.store.Db;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key hierarchy as this process sees it: one KEK (the master key it was started with, checked against the
 * stored key check value) and the organizations' data keys, unwrapped on first use and cached in memory.
 *
 * <p>Data keys are versioned per organization; exactly one is active (new seals), older ones only open. Each
 * wrapped copy names its KEK, so during a master-key rotation this process keeps opening the copies under its
 * own KEK while the rotation adds copies under the new one.
 */
final class Keyring {
    private static final Logger LOG = LoggerFactory.getLogger(Keyring.class);
    /** A stored master key term. */
    record Kek(int id, byte[] checkValue, KekState state) {}

    /** A master key term's place in rotation: the one in use, the target of an unfinished rotation, or done with. */
    enum KekState {
        ACTIVE, PENDING, RETIRED;

        static KekState of(String stored) {
            return switch (stored) {
                case "active" -> ACTIVE;
                case "pending" -> PENDING;
                case "retired" -> RETIRED;
                default -> throw new IllegalStateException("unknown master key state in the database");
            };
        }
    }

    /** The data key new seals use. */
    record ActiveKey(int version, AesKey key) {}

    private record DataKeyId(UUID orgId, int version) {}

    private final Db db;
    private final Aead aead;
    private final MasterKey master;
    private final int kekId;
    private final Clock clock;
    private final SecureRandom random;
    static final int MAX_CACHED_KEYS = 50_000;
    private final ConcurrentHashMap<DataKeyId, AesKey> cache = new ConcurrentHashMap<>();

    private Keyring(Db db, MasterKey master, int kekId, Clock clock, SecureRandom random) {
        this.db = db;
        this.aead = new Aead(random);
        this.master = master;
        this.kekId = kekId;
        this.clock = clock;
        this.random = random;
    }

    /**
     * Loads the master key file (deriving a passphrase once), then checks it against the database: the first
     * start registers it as KEK 1; afterwards it must be the active KEK, or this throws
     * {@link MasterKeyMismatchException} before anything is written with it.
     */
    static Keyring open(Db db, Path keyFile, Clock clock, SecureRandom random) {
        return new Keyring(db, unlock(db, keyFile, random), clock, random);
    }

    Keyring(Db db, MasterKeyTerm term, Clock clock, SecureRandom random) {
        this(db, term.key(), term.id(), clock, random);
    }

    /** The master key of {@code keyFile}, checked as {@link #open} does. */
    static MasterKeyTerm unlock(Db db, Path keyFile, SecureRandom random) {
        VaultSettings settings = VaultSettings.ensure(db, random);
        MasterKey master = settings.load(keyFile);
        return new ActiveTerm(requireActive(db, master, keyFile), master);
    }

    /**
     * As {@link #unlock}, but on a database that has no master key yet a missing {@code keyFile} is created first
     * (32 random bytes, base64, mode 0600). On a database that has one, a missing file is an error: a new key
     * could never open what the database holds.
     */
    static MasterKeyTerm provision(Db db, Path keyFile, SecureRandom random) {
        if (!Files.exists(keyFile)) {
            boolean registered = db.run(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM vault_keks)");
                     ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            });
            if (registered) {
                throw new KeyFileException(keyFile + " does not exist, and this database's keys are wrapped under its master key:"
                        + " put that key there (MASTER_ENCRYPTION_KEY_PATH), e.g. from the Secret 'liftos setup' described");
            }
            byte[] raw = new byte[AesKey.LENGTH];
            random.nextBytes(raw);
            byte[] text = (Base64.getEncoder().encodeToString(raw) + "\n").getBytes(StandardCharsets.US_ASCII);
            try {
                if (KeyFiles.writeNew(keyFile, text)) {
                    LOG.info("master encryption key generated (256-bit, mode 0600): {}", keyFile);
                }
            } catch (IOException e) {
                throw new KeyFileException(keyFile + " does not exist and cannot be created (" + e.getClass().getSimpleName()
                        + "); provide the master key there (MASTER_ENCRYPTION_KEY_PATH)");
            } finally {
                Arrays.fill(raw, (byte) 0);
                Arrays.fill(text, (byte) 0);
            }
        }
        return unlock(db, keyFile, random);
    }

    /** A master key checked as the active term; {@link #holdActive} share-locks its row as {@link #requireKekActive} does. */
    private record ActiveTerm(int id, MasterKey key) implements MasterKeyTerm {
        @Override
        public boolean holdActive(Connection c) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT state FROM vault_keks WHERE id = ? FOR SHARE")) {
                ps.setInt(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && KekState.of(rs.getString(1)) == KekState.ACTIVE;
                }
            }
        }
    }

    static int requireActive(Db db, MasterKey master, Path keyFile) {
        List<Kek> keks = db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO vault_keks (id, check_value, state, activated_at) SELECT 1, ?, 'active', now() "
                            + "WHERE NOT EXISTS (SELECT 1 FROM vault_keks) ON CONFLICT DO NOTHING")) {
                ps.setBytes(1, master.checkValue());
                ps.executeUpdate();
            }
            return keks(c);
        });
        Optional<Kek> match = keks.stream().filter(k -> master.matches(k.checkValue())).findFirst();
        if (match.isEmpty()) {
            throw new MasterKeyMismatchException("master encryption key " + keyFile
                    + " does not match this database (key check value mismatch); refusing to start with it");
        }
        return switch (match.get().state()) {
            case ACTIVE -> match.get().id();
            case PENDING -> throw new MasterKeyMismatchException("master encryption key " + keyFile
                    + " is the target of an unfinished master-key rotation; finish it first with "
                    + "'liftos vault rotate-master-key --new-key-file " + keyFile + "' and the current key configured");
            case RETIRED -> throw new MasterKeyMismatchException("master encryption key " + keyFile
                    + " was retired by a master-key rotation; set MASTER_ENCRYPTION_KEY_PATH to the new key file");
        };
    }

    static List<Kek> keks(Connection c) throws SQLException {
        List<Kek> all = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, check_value, state FROM vault_keks ORDER BY id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                all.add(new Kek(rs.getInt(1), rs.getBytes(2), KekState.of(rs.getString(3))));
            }
        }
        return all;
    }

    int kekId() {
        return kekId;
    }

    MasterKey master() {
        return master;
    }

    Aead aead() {
        return aead;
    }

    /**
     * The organization's active data key, created (version 1, or after a shred the next free version) when it
     * has none. Takes a share lock on the active key row, so a data-key rotation cannot switch keys between this
     * read and the caller's commit.
     */
    ActiveKey activeDataKey(Connection c, UUID orgId) throws SQLException {
        Optional<Integer> version = activeVersion(c, orgId);
        if (version.isPresent()) {
            return new ActiveKey(version.get(), dataKey(c, orgId, version.get()));
        }
        requireKekActive(c);
        AesKey key = AesKey.generate(random);
        int next = nextVersion(c, orgId);
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO vault_data_keys (org_id, version, state, created_at) VALUES (?, ?, 'active', ?) ON CONFLICT DO NOTHING")) {
            ps.setObject(1, orgId);
            ps.setInt(2, next);
            ps.setTimestamp(3, Timestamp.from(clock.instant()));
            if (ps.executeUpdate() == 0) {
                // another transaction created the org's first key concurrently; use theirs
                int theirs = activeVersion(c, orgId).orElseThrow(() -> new IllegalStateException("data key creation raced"));
                return new ActiveKey(theirs, dataKey(c, orgId, theirs));
            }
        }
        insertWrapped(c, orgId, next, key);
        remember(new DataKeyId(orgId, next), key);
        return new ActiveKey(next, key);
    }

    /** Makes a new data key the org's active one (the previous one is kept, retired: it still opens). */
    ActiveKey rotateDataKey(Connection c, UUID orgId) throws SQLException {
        requireKekActive(c);
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT version FROM vault_data_keys WHERE org_id = ? FOR UPDATE")) {
            ps.setObject(1, orgId);
            ps.executeQuery().close();
        }
        int next = nextVersion(c, orgId);
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE vault_data_keys SET state = 'retired' WHERE org_id = ? AND state = 'active'")) {
            ps.setObject(1, orgId);
            ps.executeUpdate();
        }
        AesKey key = AesKey.generate(random);
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO vault_data_keys (org_id, version, state, created_at) VALUES (?, ?, 'active', ?)")) {
            ps.setObject(1, orgId);
            ps.setInt(2, next);
            ps.setTimestamp(3, Timestamp.from(clock.instant()));
            ps.executeUpdate();
        }
        insertWrapped(c, orgId, next, key);
        remember(new DataKeyId(orgId, next), key);
        return new ActiveKey(next, key);
    }

    Optional<Integer> activeVersion(Connection c, UUID orgId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT version FROM vault_data_keys WHERE org_id = ? AND state = 'active' FOR SHARE")) {
            ps.setObject(1, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getInt(1)) : Optional.empty();
            }
        }
    }

    private static int nextVersion(Connection c, UUID orgId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(max(version), 0) + 1 FROM vault_data_keys WHERE org_id = ?")) {
            ps.setObject(1, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private void insertWrapped(Connection c, UUID orgId, int version, AesKey key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO vault_wrapped_keys (org_id, version, kek_id, wrapped) VALUES (?, ?, ?, ?)")) {
            ps.setObject(1, orgId);
            ps.setInt(2, version);
            ps.setInt(3, kekId);
            ps.setBytes(4, KeyWrap.wrap(aead, master.key(), kekId, orgId, version, key));
            ps.executeUpdate();
        }
    }

    /** New data keys are wrapped only under an active KEK: after a master-key rotation this process must restart. */
    private void requireKekActive(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT state FROM vault_keks WHERE id = ? FOR SHARE")) {
            ps.setInt(1, kekId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || KekState.of(rs.getString(1)) != KekState.ACTIVE) {
                    throw new MasterKeyMismatchException("the master key was rotated while this process ran; "
                            + "restart it with MASTER_ENCRYPTION_KEY_PATH set to the new key file");
                }
            }
        }
    }

    /** The data key {@code version} of the org: from the cache, else unwrapped from its copy under this KEK. */
    AesKey dataKey(Connection c, UUID orgId, int version) throws SQLException {
        DataKeyId id = new DataKeyId(orgId, version);
        AesKey cached = cache.get(id);
        if (cached != null) {
            return cached;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT wrapped FROM vault_wrapped_keys WHERE org_id = ? AND version = ? AND kek_id = ?")) {
            ps.setObject(1, orgId);
            ps.setInt(2, version);
            ps.setInt(3, kekId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new DecryptionFailedException("decryption failed: unknown data key");
                }
                AesKey key = KeyWrap.unwrap(master.key(), kekId, orgId, version, rs.getBytes(1));
                remember(id, key);
                return key;
            }
        }
    }

    AesKey dataKey(UUID orgId, int version) {
        AesKey cached = cache.get(new DataKeyId(orgId, version));
        return cached != null ? cached : db.run(c -> dataKey(c, orgId, version));
    }

    /**
     * Caches an unwrapped key. Bounded: past {@link #MAX_CACHED_KEYS} the cache starts over (keys unwrap again on
     * next use: one read and one AES-GCM open each), so an installation with very many organizations cannot grow the heap without end.
     */
    private void remember(DataKeyId id, AesKey key) {
        if (cache.size() >= MAX_CACHED_KEYS) {
            cache.clear();
        }
        cache.put(id, key);
    }

    void evict(UUID orgId) {
        cache.keySet().removeIf(k -> k.orgId().equals(orgId));
    }
}
