package com.liftos.security.vault;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.crypto.Aead;
import com.liftos.security.crypto.DecryptionFailedException;
import com.liftos.security.store.Db;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** The vault on PostgreSQL. Every write and every reveal is one transaction including its audit event. */
final class VaultService implements Vault, Secrets {
    private static final Pattern KEY_NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");
    private static final Pattern PURPOSE = Pattern.compile("[a-z0-9_.:-]{1,64}");
    private static final byte[] SECRET_LABEL = "liftos/vault/secret/v1".getBytes(StandardCharsets.US_ASCII);
    // Usage counters come from the insert-only access log, so concurrent reveals of one credential never contend
    // on its row; the cost moves to listings (an index range count per credential).
    private static final String COLUMNS = "c.id, c.org_id, c.provider, c.key_name, c.version, c.status, c.created_at, c.created_by, "
            + "c.rotated_at, c.rotated_by, c.revoked_at, u.accessed_at AS last_used_at, u.actor_id AS last_used_by, "
            + "(SELECT count(*) FROM vault_access_log a WHERE a.org_id = c.org_id AND a.provider = c.provider AND a.key_name = c.key_name) AS access_count"
            + " FROM vault_credentials c LEFT JOIN LATERAL (SELECT accessed_at, actor_id FROM vault_access_log a"
            + " WHERE a.org_id = c.org_id AND a.provider = c.provider AND a.key_name = c.key_name AND a.success"
            + " ORDER BY accessed_at DESC LIMIT 1) u ON true";

    private final Db db;
    private final AuditLog audit;
    private final Keyring keyring;
    private final CredentialCipher cipher;
    private final Clock clock;
    private final SensitiveAccessSampler sensitiveAccess = new SensitiveAccessSampler();

    VaultService(Db db, AuditLog audit, Keyring keyring, Clock clock) {
        this.db = db;
        this.audit = audit;
        this.keyring = keyring;
        this.cipher = new CredentialCipher(keyring.aead());
        this.clock = clock;
    }

    private enum Mode { STORE, ROTATE }

    @Override
    public VaultResult<Stored> storeCredentialsInVault(UUID orgId, String provider, String keyName, Map<String, String> credentials, Caller by) {
        return write(orgId, provider, keyName, credentials, by, Mode.STORE);
    }

    @Override
    public VaultResult<CredentialMetadata> rotateCredentials(UUID orgId, String provider, String keyName, Map<String, String> newCredentials, Caller by) {
        return switch (write(orgId, provider, keyName, newCredentials, by, Mode.ROTATE)) {
            case VaultResult.Ok<Stored> ok -> new VaultResult.Ok<>(ok.value().metadata());
            case VaultResult.Invalid<Stored> inv -> new VaultResult.Invalid<>(inv.problems());
            case VaultResult.NotFound<Stored> nf -> new VaultResult.NotFound<>();
            case VaultResult.Revoked<Stored> r -> new VaultResult.Revoked<>();
            case VaultResult.IntegrityFailure<Stored> f -> new VaultResult.IntegrityFailure<>();
        };
    }

    private VaultResult<Stored> write(UUID orgId, String providerId, String keyName, Map<String, String> values, Caller by, Mode mode) {
        Optional<Provider> provider = Providers.find(providerId);
        if (provider.isEmpty()) {
            return new VaultResult.Invalid<>(List.of("unknown provider (supported: " + String.join(", ", Providers.ids()) + ")"));
        }
        if (!KEY_NAME.matcher(keyName).matches()) {
            return new VaultResult.Invalid<>(List.of(keyNameProblem()));
        }
        List<String> problems = provider.get().validate(values);
        if (!problems.isEmpty()) {
            return new VaultResult.Invalid<>(problems);
        }
        SecretFields fields = SecretFields.of(values);
        return db.tx(c -> {
            Instant now = clock.instant();
            Optional<CredentialMetadata> existing = lock(c, orgId, providerId, keyName);
            if (existing.isEmpty() && mode == Mode.ROTATE) {
                return new VaultResult.NotFound<>();
            }
            UUID id;
            int version;
            boolean created;
            if (existing.isEmpty() && insertNew(c, orgId, providerId, keyName, now, by).isPresent()) {
                existing = lock(c, orgId, providerId, keyName);
                id = existing.orElseThrow().id();
                version = 1;
                created = true;
            } else {
                if (existing.isEmpty()) {
                    existing = lock(c, orgId, providerId, keyName); // lost a race to create it: replace theirs
                }
                CredentialMetadata current = existing.orElseThrow();
                if (mode == Mode.ROTATE && current.status() == CredentialMetadata.Status.REVOKED) {
                    return new VaultResult.Revoked<>();
                }
                id = current.id();
                version = current.version() + 1;
                created = current.status() == CredentialMetadata.Status.REVOKED;
                try (PreparedStatement ps = c.prepareStatement("""
                        UPDATE vault_credentials SET version = ?, status = 'active', rotated_at = ?, rotated_by = ?,
                            revoked_at = NULL, revoked_by = NULL, revoke_reason = NULL WHERE id = ?""")) {
                    ps.setInt(1, version);
                    ps.setTimestamp(2, Timestamp.from(now));
                    setUuid(ps, 3, by.actorId());
                    ps.setObject(4, id);
                    ps.executeUpdate();
                }
            }
            addVersion(c, new CredentialCipher.Binding(orgId, providerId, keyName, version), id, fields, by, now, Optional.empty(),
                    Optional.empty());
            SecurityEventType type = created ? SecurityEventType.API_KEY_CREATED : SecurityEventType.API_KEY_ROTATED;
            String action = mode == Mode.ROTATE ? "rotate_credentials" : "store_credentials_in_vault";
            audit.record(c, event(type, action, orgId, providerId, keyName, by, now).detail("version", version)
                    .detail("fields", List.copyOf(fields.names())).build(now));
            return new VaultResult.Ok<>(new Stored(find(c, orgId, providerId, keyName).orElseThrow(), created));
        });
    }

    /**
     * Seals {@code fields} as the version {@code binding} names, under the organization's active data key, and drops
     * versions older than the {@link #KEPT_VERSIONS} newest.
     */
    private void addVersion(Connection c, CredentialCipher.Binding binding, UUID id, SecretFields fields, Caller by, Instant now,
                            Optional<String> reason, Optional<Integer> restoredFrom) throws SQLException {
        Keyring.ActiveKey key = keyring.activeDataKey(c, binding.orgId());
        byte[] sealed = cipher.seal(binding, key.key(), key.version(), fields);
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO vault_credential_versions (credential_id, version, org_id, data_key_version, ciphertext, created_at, created_by,
                    reason, restored_from)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            ps.setObject(1, id);
            ps.setInt(2, binding.credentialVersion());
            ps.setObject(3, binding.orgId());
            ps.setInt(4, key.version());
            ps.setBytes(5, sealed);
            ps.setTimestamp(6, Timestamp.from(now));
            setUuid(ps, 7, by.actorId());
            ps.setString(8, reason.orElse(null));
            if (restoredFrom.isPresent()) {
                ps.setInt(9, restoredFrom.get());
            } else {
                ps.setNull(9, Types.INTEGER);
            }
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM vault_credential_versions WHERE credential_id = ? AND version <= ?")) {
            ps.setObject(1, id);
            ps.setInt(2, binding.credentialVersion() - KEPT_VERSIONS);
            ps.executeUpdate();
        }
    }

    @Override
    public Optional<List<CredentialVersion>> versions(UUID orgId, String provider, String keyName) {
        if (Providers.find(provider).isEmpty() || !KEY_NAME.matcher(keyName).matches()) {
            return Optional.empty();
        }
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT c.version, v.version, v.created_at, v.created_by, v.reason, v.restored_from FROM vault_credentials c
                    LEFT JOIN vault_credential_versions v ON v.credential_id = c.id
                    WHERE c.org_id = ? AND c.provider = ? AND c.key_name = ? ORDER BY v.version DESC""")) {
                ps.setObject(1, orgId);
                ps.setString(2, provider);
                ps.setString(3, keyName);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<List<CredentialVersion>>empty();
                    }
                    List<CredentialVersion> out = new ArrayList<>();
                    do {
                        if (rs.getObject(2) != null) {
                            int restored = rs.getInt(6);
                            boolean restoredNull = rs.wasNull();
                            out.add(new CredentialVersion(rs.getInt(2), rs.getTimestamp(3).toInstant(),
                                    Optional.ofNullable(rs.getObject(4, UUID.class)), Optional.ofNullable(rs.getString(5)),
                                    restoredNull ? Optional.empty() : Optional.of(restored), rs.getInt(2) == rs.getInt(1)));
                        }
                    } while (rs.next());
                    return Optional.of(List.copyOf(out));
                }
            }
        });
    }

    @Override
    public VaultResult<CredentialMetadata> rollbackCredentials(UUID orgId, String provider, String keyName, int version, String reason,
                                                               Caller by) {
        if (Providers.find(provider).isEmpty() || !KEY_NAME.matcher(keyName).matches()) {
            return new VaultResult.NotFound<>();
        }
        String why = reason == null || reason.isBlank() ? "rollback to version " + version : cleanReason(reason);
        return db.tx(c -> {
            Optional<CredentialMetadata> row = lock(c, orgId, provider, keyName);
            if (row.isEmpty()) {
                return new VaultResult.NotFound<>();
            }
            CredentialMetadata current = row.get();
            if (current.status() == CredentialMetadata.Status.REVOKED) {
                return new VaultResult.Revoked<>();
            }
            if (version < 1 || version >= current.version()) {
                return new VaultResult.Invalid<>(List.of("version must be an earlier version than the current one (" + current.version() + ")"));
            }
            byte[] sealed = null;
            Instant sealedAt = null;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT ciphertext, created_at FROM vault_credential_versions WHERE credential_id = ? AND version = ?")) {
                ps.setObject(1, current.id());
                ps.setInt(2, version);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        sealed = rs.getBytes(1);
                        sealedAt = rs.getTimestamp(2).toInstant();
                    }
                }
            }
            if (sealed == null) {
                return new VaultResult.NotFound<>();
            }
            SecretFields fields;
            try {
                fields = cipher.open(new CredentialCipher.Binding(orgId, provider, keyName, version), (org, v) -> dataKey(c, org, v), sealed);
            } catch (DecryptionFailedException e) {
                return new VaultResult.IntegrityFailure<>();
            }
            Instant now = clock.instant();
            int next = current.version() + 1;
            try (PreparedStatement ps = c.prepareStatement("UPDATE vault_credentials SET version = ?, rotated_at = ?, rotated_by = ? WHERE id = ?")) {
                ps.setInt(1, next);
                ps.setTimestamp(2, Timestamp.from(sealedAt));
                setUuid(ps, 3, by.actorId());
                ps.setObject(4, current.id());
                ps.executeUpdate();
            }
            addVersion(c, new CredentialCipher.Binding(orgId, provider, keyName, next), current.id(), fields, by, now, Optional.of(why),
                    Optional.of(version));
            audit.record(c, event(SecurityEventType.API_KEY_ROTATED, "rollback_credentials", orgId, provider, keyName, by, now)
                    .detail("version", next).detail("restored_from", version).detail("previous_version", current.version())
                    .detail("reason", why).detail("fields", List.copyOf(fields.names())).risk(0.4).build(now));
            return new VaultResult.Ok<>(find(c, orgId, provider, keyName).orElseThrow());
        });
    }

    private static String keyNameProblem() {
        return "key name must be 1-64 characters of lowercase letters, digits, '_', '.', '-', starting with a letter or digit";
    }

    private Optional<UUID> insertNew(Connection c, UUID orgId, String provider, String keyName, Instant now, Caller by) throws SQLException {
        UUID id = UUID.randomUUID();
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO vault_credentials (id, org_id, provider, key_name, version, status, created_at, created_by, rotated_at, rotated_by)
                VALUES (?, ?, ?, ?, 1, 'active', ?, ?, ?, ?) ON CONFLICT (org_id, provider, key_name) DO NOTHING""")) {
            ps.setObject(1, id);
            ps.setObject(2, orgId);
            ps.setString(3, provider);
            ps.setString(4, keyName);
            ps.setTimestamp(5, Timestamp.from(now));
            setUuid(ps, 6, by.actorId());
            ps.setTimestamp(7, Timestamp.from(now));
            setUuid(ps, 8, by.actorId());
            return ps.executeUpdate() == 1 ? Optional.of(id) : Optional.empty();
        }
    }

    @Override
    public VaultResult<Revealed> getCredentials(UUID orgId, String provider, String keyName, Caller by) {
        if (Providers.find(provider).isEmpty() || !KEY_NAME.matcher(keyName).matches()) {
            return new VaultResult.NotFound<>();
        }
        Instant now = clock.instant();
        RevealAttempt attempt = db.run(c -> unseal(c, orgId, provider, keyName));
        // Audited through the group-commit writer, not inside the read: an in-transaction append would hold the
        // organization's audit-chain lock until commit and serialize every reveal of the organization. It is still
        // durable before the secret leaves: if the audit write fails, this throws and nothing is revealed.
        SecurityEvent.Builder accessed = event(SecurityEventType.API_KEY_ACCESSED, "get_credentials", orgId, provider, keyName, by, now)
                .success(attempt.failure().isEmpty()).detail("version", attempt.version().orElse(null))
                .detail("failure", attempt.failure().map(RevealFailure::wire).orElse(null))
                .risk(attempt.failure().map(RevealFailure::risk).orElse(0.2));
        int version = attempt.version().orElse(0);
        if (attempt.failure().isEmpty() && sensitiveAccess.due(orgId, provider, keyName, version, by, now)) {
            audit.recordAll(List.of(accessed.build(now), event(SecurityEventType.SENSITIVE_DATA_ACCESS, "reveal_credentials",
                    orgId, provider, keyName, by, now).detail("version", version)
                    .detail("window_minutes", SensitiveAccessSampler.WINDOW.toMinutes()).risk(0.2).build(now)));
            sensitiveAccess.recorded(orgId, provider, keyName, version, by, now);
        } else {
            audit.record(accessed.build(now));
        }
        // The access row comes after the audit write, so a refused audit leaves no row claiming a reveal. A crash
        // between the two loses one row of usage statistics, never a record of the reveal.
        if (attempt.found()) {
            db.run(c -> {
                logAccess(c, orgId, provider, keyName, now, attempt.failure().isEmpty(), by);
                return null;
            });
        }
        return attempt.result();
    }

    /** Why a reveal revealed nothing; audited as the event's {@code failure} detail. */
    private enum RevealFailure {
        NOT_FOUND(0.3), REVOKED(0.3), INTEGRITY_FAILURE(0.9);

        private final double risk;

        RevealFailure(double risk) {
            this.risk = risk;
        }

        double risk() {
            return risk;
        }

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private record RevealAttempt(VaultResult<Revealed> result, Optional<RevealFailure> failure, Optional<Integer> version) {
        boolean found() {
            return failure.filter(f -> f == RevealFailure.NOT_FOUND).isEmpty();
        }
    }

    /**
     * Reads the current sealed version in one statement with no row lock (reveals of one credential run in
     * parallel; a concurrent revoke is ordered before or after) and opens it. Writes nothing.
     */
    private RevealAttempt unseal(Connection c, UUID orgId, String provider, String keyName) throws SQLException {
        record Row(UUID id, int version, boolean active, byte[] sealed) {}
        Optional<Row> row;
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT c.id, c.version, c.status, v.ciphertext FROM vault_credentials c
                LEFT JOIN vault_credential_versions v ON v.credential_id = c.id AND v.version = c.version
                WHERE c.org_id = ? AND c.provider = ? AND c.key_name = ?""")) {
            ps.setObject(1, orgId);
            ps.setString(2, provider);
            ps.setString(3, keyName);
            try (ResultSet rs = ps.executeQuery()) {
                row = rs.next() ? Optional.of(new Row(rs.getObject(1, UUID.class), rs.getInt(2),
                        CredentialMetadata.Status.of(rs.getString(3)) == CredentialMetadata.Status.ACTIVE, rs.getBytes(4))) : Optional.empty();
            }
        }
        if (row.isEmpty()) {
            return new RevealAttempt(new VaultResult.NotFound<>(), Optional.of(RevealFailure.NOT_FOUND), Optional.empty());
        }
        Row meta = row.get();
        if (!meta.active()) {
            return new RevealAttempt(new VaultResult.Revoked<>(), Optional.of(RevealFailure.REVOKED), Optional.of(meta.version()));
        }
        try {
            if (meta.sealed() == null) {
                throw new DecryptionFailedException("decryption failed: sealed version missing");
            }
            CredentialCipher.Binding binding = new CredentialCipher.Binding(orgId, provider, keyName, meta.version());
            SecretFields fields = cipher.open(binding, (org, v) -> dataKey(c, org, v), meta.sealed());
            return new RevealAttempt(new VaultResult.Ok<>(new Revealed(meta.id(), provider, keyName, meta.version(), fields)),
                    Optional.empty(), Optional.of(meta.version()));
        } catch (DecryptionFailedException e) {
            return new RevealAttempt(new VaultResult.IntegrityFailure<>(), Optional.of(RevealFailure.INTEGRITY_FAILURE),
                    Optional.of(meta.version()));
        }
    }

    private static void logAccess(Connection c, UUID orgId, String provider, String keyName, Instant at, boolean success,
                                  Caller by) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO vault_access_log (org_id, provider, key_name, accessed_at, success, actor_id, client_prefix)
                VALUES (?, ?, ?, ?, ?, ?, ?)""")) {
            ps.setObject(1, orgId);
            ps.setString(2, provider);
            ps.setString(3, keyName);
            ps.setTimestamp(4, Timestamp.from(at));
            ps.setBoolean(5, success);
            setUuid(ps, 6, by.actorId());
            ps.setString(7, by.clientIp().flatMap(ClientNetwork::of).orElse(null));
            ps.executeUpdate();
        }
    }

    private com.liftos.security.crypto.AesKey dataKey(Connection c, UUID orgId, int version) {
        try {
            return keyring.dataKey(c, orgId, version);
        } catch (SQLException e) {
            throw new com.liftos.security.store.StoreException("database error: " + e.getSQLState(), e);
        }
    }

    @Override
    public VaultResult<CredentialMetadata> revokeApiKey(UUID orgId, String provider, String keyName, String reason, Caller by) {
        if (Providers.find(provider).isEmpty() || !KEY_NAME.matcher(keyName).matches()) {
            return new VaultResult.NotFound<>();
        }
        String why = cleanReason(reason);
        return db.tx(c -> {
            Optional<CredentialMetadata> row = lock(c, orgId, provider, keyName);
            if (row.isEmpty()) {
                return new VaultResult.NotFound<>();
            }
            if (row.get().status() == CredentialMetadata.Status.ACTIVE) {
                Instant now = clock.instant();
                revoke(c, List.of(row.get().id()), why, by, now);
                audit.record(c, event(SecurityEventType.API_KEY_REVOKED, "revoke_api_key", orgId, provider, keyName, by, now)
                        .detail("version", row.get().version()).detail("reason", why).risk(0.3).build(now));
            }
            return new VaultResult.Ok<>(find(c, orgId, provider, keyName).orElseThrow());
        });
    }

    private static String cleanReason(String reason) {
        String r = reason == null || reason.isBlank() ? "revoked" : reason.strip();
        r = r.replaceAll("\\p{Cntrl}", " ");
        return r.length() > 200 ? r.substring(0, 200) : r;
    }

    /** Marks credentials revoked and destroys their sealed versions. */
    private static void revoke(Connection c, List<UUID> ids, String reason, Caller by, Instant now) throws SQLException {
        UUID[] array = ids.toArray(UUID[]::new);
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE vault_credentials SET status = 'revoked', revoked_at = ?, revoked_by = ?, revoke_reason = ?
                WHERE id = ANY (?)""")) {
            ps.setTimestamp(1, Timestamp.from(now));
            setUuid(ps, 2, by.actorId());
            ps.setString(3, reason);
            ps.setArray(4, c.createArrayOf("uuid", array));
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM vault_credential_versions WHERE credential_id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("uuid", array));
            ps.executeUpdate();
        }
    }

    @Override
    public int revokeAll(UUID orgId, String reason, Caller by) {
        String why = cleanReason(reason);
        return db.tx(c -> {
            Instant now = clock.instant();
            List<CredentialMetadata> active = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + COLUMNS + " WHERE c.org_id = ? AND c.status = 'active' ORDER BY c.provider, c.key_name FOR UPDATE OF c")) {
                ps.setObject(1, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        active.add(map(rs));
                    }
                }
            }
            if (active.isEmpty()) {
                return 0;
            }
            revoke(c, active.stream().map(CredentialMetadata::id).toList(), why, by, now);
            for (CredentialMetadata m : active) {
                audit.record(c, event(SecurityEventType.API_KEY_REVOKED, "revoke_all_api_keys", orgId, m.provider(), m.keyName(), by, now)
                        .detail("version", m.version()).detail("reason", why).risk(0.5).build(now));
            }
            return active.size();
        });
    }

    @Override
    public int shredOrganization(UUID orgId, Caller by) {
        keyring.evict(orgId);
        int destroyed = db.tx(c -> {
            Instant now = clock.instant();
            int keys;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM vault_data_keys WHERE org_id = ?")) {
                ps.setObject(1, orgId);
                keys = ps.executeUpdate();
            }
            int credentials;
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE vault_credentials SET status = 'revoked', revoked_at = coalesce(revoked_at, ?), revoked_by = coalesce(revoked_by, ?),
                        revoke_reason = 'organization erased: data keys destroyed' WHERE org_id = ?""")) {
                ps.setTimestamp(1, Timestamp.from(now));
                setUuid(ps, 2, by.actorId());
                ps.setObject(3, orgId);
                credentials = ps.executeUpdate();
            }
            audit.record(c, by.on(SecurityEvent.builder(SecurityEventType.DATA_ERASURE, "crypto_shred_vault_keys"))
                    .org(orgId).resource("organization:" + orgId).detail("data_keys_destroyed", keys)
                    .detail("credentials_unrecoverable", credentials).risk(0.5).build(now));
            return keys;
        });
        keyring.evict(orgId);
        return destroyed;
    }

    @Override
    public long countDueForRotation(UUID orgId) {
        Instant cutoff = clock.instant().minus(ROTATION_PERIOD);
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM vault_credentials WHERE org_id = ? AND status = 'active' AND rotated_at <= ?")) {
                ps.setObject(1, orgId);
                ps.setTimestamp(2, Timestamp.from(cutoff));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public long countActive(UUID orgId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM vault_credentials WHERE org_id = ? AND status = 'active'")) {
                ps.setObject(1, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public Optional<CredentialMetadata> metadata(UUID orgId, String provider, String keyName) {
        return db.run(c -> find(c, orgId, provider, keyName));
    }

    @Override
    public List<CredentialMetadata> listApiKeys(UUID orgId, boolean rotationDueOnly) {
        Instant cutoff = clock.instant().minus(ROTATION_PERIOD);
        return db.run(c -> {
            List<CredentialMetadata> all = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " WHERE c.org_id = ?"
                    + " AND (NOT ? OR (c.status = 'active' AND c.rotated_at <= ?)) ORDER BY c.provider, c.key_name")) {
                ps.setObject(1, orgId);
                ps.setBoolean(2, rotationDueOnly);
                ps.setTimestamp(3, Timestamp.from(cutoff));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        all.add(map(rs));
                    }
                }
            }
            return all;
        });
    }

    @Override
    public UsageAnalytics getUsageAnalytics(UUID orgId, Optional<String> provider, int days) {
        if (days < 1 || days > 366) {
            throw new IllegalArgumentException("days must be between 1 and 366");
        }
        Instant since = clock.instant().truncatedTo(ChronoUnit.DAYS).minus(days - 1L, ChronoUnit.DAYS);
        return db.run(c -> {
            record Key(String provider, String keyName) {}
            record Totals(long total, long ok, long callers, long networks) {}
            Map<Key, Totals> totals = new LinkedHashMap<>();
            Map<Key, Map<LocalDate, Long>> perDay = new LinkedHashMap<>();
            Map<Key, Long[]> perHour = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT provider, key_name, count(*), count(*) FILTER (WHERE success), "
                    + "count(DISTINCT actor_id), count(DISTINCT client_prefix)" + ACCESS_FILTER + " GROUP BY provider, key_name ORDER BY 1, 2")) {
                bind(ps, orgId, since, provider);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        totals.put(new Key(rs.getString(1), rs.getString(2)), new Totals(rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6)));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT provider, key_name, (accessed_at AT TIME ZONE 'UTC')::date, count(*)"
                    + ACCESS_FILTER + " GROUP BY 1, 2, 3")) {
                bind(ps, orgId, since, provider);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        perDay.computeIfAbsent(new Key(rs.getString(1), rs.getString(2)), k -> new LinkedHashMap<>())
                                .put(rs.getObject(3, LocalDate.class), rs.getLong(4));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT provider, key_name, extract(hour FROM accessed_at AT TIME ZONE 'UTC')::int, count(*)"
                    + ACCESS_FILTER + " GROUP BY 1, 2, 3")) {
                bind(ps, orgId, since, provider);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Long[] hours = perHour.computeIfAbsent(new Key(rs.getString(1), rs.getString(2)), k -> {
                            Long[] h = new Long[24];
                            Arrays.fill(h, 0L);
                            return h;
                        });
                        hours[rs.getInt(3)] = rs.getLong(4);
                    }
                }
            }
            List<UsageAnalytics.KeyUsage> usage = new ArrayList<>();
            totals.forEach((k, t) -> {
                Long[] hours = perHour.getOrDefault(k, new Long[0]);
                List<Long> byHour = hours.length == 24 ? List.of(hours) : java.util.Collections.nCopies(24, 0L);
                double successRate = t.total() == 0 ? 0 : (double) t.ok() / t.total();
                usage.add(new UsageAnalytics.KeyUsage(k.provider(), k.keyName(), t.total(), t.ok(), t.total() - t.ok(),
                        successRate, t.total() == 0 ? 0 : 1 - successRate, t.callers(), t.networks(),
                        perDay.getOrDefault(k, Map.of()), byHour));
            });
            return new UsageAnalytics(orgId, days, since, usage);
        });
    }

    private static final String ACCESS_FILTER =
            " FROM vault_access_log WHERE org_id = ? AND accessed_at >= ? AND (CAST(? AS text) IS NULL OR provider = ?)";

    private static void bind(PreparedStatement ps, UUID orgId, Instant since, Optional<String> provider) throws SQLException {
        ps.setObject(1, orgId);
        ps.setTimestamp(2, Timestamp.from(since));
        ps.setString(3, provider.orElse(null));
        ps.setString(4, provider.orElse(null));
    }

    @Override
    public Secrets secrets() {
        return this;
    }

    @Override
    public byte[] seal(UUID orgId, String purpose, byte[] plaintext) {
        byte[] ad = secretAssociatedData(orgId, purpose);
        return db.tx(c -> {
            Keyring.ActiveKey key = keyring.activeDataKey(c, orgId);
            return keyring.aead().seal(key.key(), key.version(), ad, plaintext);
        });
    }

    @Override
    public byte[] open(UUID orgId, String purpose, byte[] sealed) {
        byte[] ad = secretAssociatedData(orgId, purpose);
        return Aead.open(keyring.dataKey(orgId, Aead.keyId(sealed)), ad, sealed);
    }

    private static byte[] secretAssociatedData(UUID orgId, String purpose) {
        if (purpose == null || !PURPOSE.matcher(purpose).matches()) {
            throw new IllegalArgumentException("purpose must be 1-64 characters of [a-z0-9_.:-]");
        }
        byte[] p = purpose.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(SECRET_LABEL.length + 16 + 4 + p.length).put(SECRET_LABEL)
                .putLong(orgId.getMostSignificantBits()).putLong(orgId.getLeastSignificantBits()).putInt(p.length).put(p).array();
    }

    private SecurityEvent.Builder event(SecurityEventType type, String action, UUID orgId, String provider, String keyName, Caller by, Instant now) {
        return by.on(SecurityEvent.builder(type, action)).org(orgId).resource("credential:" + provider + "/" + keyName)
                .detail("provider", provider).detail("key_name", keyName);
    }

    private static final String SELECT_ONE = "SELECT " + COLUMNS + " WHERE c.org_id = ? AND c.provider = ? AND c.key_name = ?";
    private static final String LOCK_ONE = SELECT_ONE + " FOR UPDATE OF c";

    private static Optional<CredentialMetadata> lock(Connection c, UUID orgId, String provider, String keyName) throws SQLException {
        return select(c, orgId, provider, keyName, true);
    }

    private static Optional<CredentialMetadata> find(Connection c, UUID orgId, String provider, String keyName) throws SQLException {
        return select(c, orgId, provider, keyName, false);
    }

    private static Optional<CredentialMetadata> select(Connection c, UUID orgId, String provider, String keyName, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = forUpdate ? c.prepareStatement(LOCK_ONE) : c.prepareStatement(SELECT_ONE)) {
            ps.setObject(1, orgId);
            ps.setString(2, provider);
            ps.setString(3, keyName);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    private static CredentialMetadata map(ResultSet rs) throws SQLException {
        Instant rotatedAt = rs.getTimestamp("rotated_at").toInstant();
        return new CredentialMetadata(rs.getObject("id", UUID.class), rs.getObject("org_id", UUID.class), rs.getString("provider"),
                rs.getString("key_name"), rs.getInt("version"),
                CredentialMetadata.Status.of(rs.getString("status")),
                rs.getTimestamp("created_at").toInstant(), Optional.ofNullable(rs.getObject("created_by", UUID.class)),
                rotatedAt, Optional.ofNullable(rs.getObject("rotated_by", UUID.class)),
                Optional.ofNullable(rs.getTimestamp("last_used_at")).map(Timestamp::toInstant),
                Optional.ofNullable(rs.getObject("last_used_by", UUID.class)), rs.getLong("access_count"),
                Optional.ofNullable(rs.getTimestamp("revoked_at")).map(Timestamp::toInstant), rotatedAt.plus(ROTATION_PERIOD));
    }

    private static void setUuid(PreparedStatement ps, int index, Optional<UUID> value) throws SQLException {
        if (value.isPresent()) {
            ps.setObject(index, value.get());
        } else {
            ps.setNull(index, Types.OTHER);
        }
    }
}
