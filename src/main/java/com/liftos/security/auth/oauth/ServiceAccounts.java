package com.liftos.security.auth.oauth;

import com.liftos.security.auth.token.TokenState;
import com.liftos.security.store.Db;
import com.liftos.security.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Service accounts and their client secrets. A secret is 256 random bits, shown once; only
 * HMAC-SHA256(server key, secret) is stored — a high-entropy secret needs no slow hash, and the server key (derived
 * from the service key, which lives in the database wrapped under the master key) means a stolen table alone cannot even be used to test guesses. Comparison is constant-time.
 * Verified credentials are cached per client id and dropped whenever the account changes (trigger-fed, see
 * {@link TokenState}).
 *
 * <p><b>Rotation with an overlap.</b> {@link #rotateSecret} makes a new current secret; the one it replaces keeps
 * working until the overlap ends (checked against the clock at each grant, so no cache outlives it), or stops at
 * once with an overlap of zero. At most two secrets work at any time — a rotation during an overlap ends the older
 * one — so a grant computes one HMAC and compares it with at most two hashes, from the cache, with no database
 * round trip. <b>Last used</b> is sampled: written at most once per {@link #LAST_USED_EVERY} per account and
 * instance, so it is exact to about a minute and never a write per grant.
 */
public final class ServiceAccounts {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceAccounts.class);
    private static final String COLUMNS = "id, org_id, name, client_id, roles, permissions, status, created_at";
    /** Written at most this often per account and instance (the grant path stays free of writes in between). */
    static final Duration LAST_USED_EVERY = Duration.ofSeconds(60);
    /** The longest overlap a rotation may leave the previous secret working. */
    public static final Duration MAX_OVERLAP = Duration.ofDays(7);

    private final Db db;
    private final byte[] secretKey;
    private final Clock clock;
    private final SecureRandom random;
    private final TokenState state;
    private final Map<String, Cached> byClientId = new ConcurrentHashMap<>();
    private final Map<UUID, Instant> lastUsedWritten = new ConcurrentHashMap<>();

    /** The previous secret's hash and the instant it stops working. */
    private record Previous(byte[] hash, Instant expiresAt) {}

    private record Cached(ServiceAccount account, byte[] secretHash, Optional<Previous> previous, long generation) {}

    public ServiceAccounts(Db db, byte[] secretKey, Clock clock, SecureRandom random, TokenState state) {
        this.db = db;
        this.secretKey = secretKey.clone();
        this.clock = clock;
        this.random = random;
        this.state = state;
    }

    /** A new account and its secret (the only time the secret exists outside the caller). */
    public record Created(ServiceAccount account, String clientSecret) {
        @Override
        public String toString() {
            return "Created[" + account + "]";
        }
    }

    public Created create(Connection c, UUID orgId, String name, List<String> roles, List<String> permissions, UUID createdBy)
            throws SQLException {
        UUID id = UUID.randomUUID();
        byte[] idBytes = new byte[12];
        random.nextBytes(idBytes);
        String clientId = "sa_" + HexFormat.of().formatHex(idBytes);
        String secret = newSecret();
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO service_accounts (id, org_id, name, client_id, secret_hash, roles, permissions, status, created_at, created_by,
                    secret_created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)""")) {
            ps.setObject(1, id);
            ps.setObject(2, orgId);
            ps.setString(3, name);
            ps.setString(4, clientId);
            ps.setBytes(5, mac(secret));
            ps.setArray(6, c.createArrayOf("text", roles.toArray()));
            ps.setArray(7, c.createArrayOf("text", permissions.toArray()));
            Timestamp now = Timestamp.from(clock.instant());
            ps.setTimestamp(8, now);
            ps.setObject(9, createdBy);
            ps.setTimestamp(10, now);
            ps.executeUpdate();
        }
        return new Created(find(c, id).orElseThrow(), secret);
    }

    /** The active account whose id and secret these are; empty for any mismatch (same cost either way). */
    public Optional<ServiceAccount> authenticate(String clientId, String secret) {
        byte[] presented = mac(secret);
        long generation = state.serviceAccountGeneration();
        Cached cached = byClientId.get(clientId);
        if (cached == null || cached.generation() != generation || !state.cacheUsable()) {
            cached = load(clientId, generation).orElse(null);
        }
        if (cached == null) {
            MessageDigest.isEqual(presented, presented);
            return Optional.empty();
        }
        Instant now = clock.instant();
        boolean current = MessageDigest.isEqual(presented, cached.secretHash());
        boolean previous = cached.previous().filter(p -> MessageDigest.isEqual(presented, p.hash()) && now.isBefore(p.expiresAt()))
                .isPresent();
        if (!(current || previous) || cached.account().status() != ServiceAccount.Status.ACTIVE) {
            return Optional.empty();
        }
        used(cached.account().id(), now);
        return Optional.of(cached.account());
    }

    /** Samples "last used": one write per account and instance in {@link #LAST_USED_EVERY}, none in between. */
    private void used(UUID id, Instant now) {
        Instant written = lastUsedWritten.get(id);
        if (written != null && now.isBefore(written.plus(LAST_USED_EVERY))) {
            return;
        }
        if (lastUsedWritten.size() > 50_000) {
            lastUsedWritten.clear();
        }
        // Only the caller that moves the mark writes: concurrent grants of one client write once.
        boolean mine = written == null ? lastUsedWritten.putIfAbsent(id, now) == null : lastUsedWritten.replace(id, written, now);
        if (!mine) {
            return;
        }
        try {
            db.run(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE service_accounts SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)")) {
                    ps.setTimestamp(1, Timestamp.from(now));
                    ps.setObject(2, id);
                    ps.setTimestamp(3, Timestamp.from(now));
                    return ps.executeUpdate();
                }
            });
        } catch (StoreException e) {
            // A statistic is not worth refusing a grant the secret earned: the next grant tries again.
            lastUsedWritten.remove(id, now);
            LOG.warn("could not record a service account's last use: {}", e.getMessage());
        }
    }

    /** The outcome of {@link #rotateSecret}. */
    public sealed interface Rotation {
        /** The new secret (shown this once; {@link #toString()} leaves it out) and the account's secrets now. */
        record Rotated(ServiceAccountView account, String clientSecret) implements Rotation {
            @Override
            public String toString() {
                return "Rotated[" + account + "]";
            }
        }

        /** No such account in the organization. */
        record NotFound() implements Rotation {}

        /** The account is disabled: its secrets do not matter until it is enabled again. */
        record Disabled() implements Rotation {}
    }

    /**
     * Gives the account a new client secret, in the caller's transaction. The current secret becomes the previous
     * one, working until {@code now + overlap}; with a zero overlap it stops at once. A previous secret still in its
     * overlap is dropped (two secrets at most). Call {@link #secretRotated} after the commit.
     */
    public Rotation rotateSecret(Connection c, UUID orgId, UUID id, Duration overlap) throws SQLException {
        if (overlap.isNegative() || overlap.compareTo(MAX_OVERLAP) > 0) {
            throw new IllegalArgumentException("overlap must be 0.." + MAX_OVERLAP);
        }
        String status;
        try (PreparedStatement ps = c.prepareStatement("SELECT status FROM service_accounts WHERE id = ? AND org_id = ? FOR UPDATE")) {
            ps.setObject(1, id);
            ps.setObject(2, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new Rotation.NotFound();
                }
                status = rs.getString(1);
            }
        }
        if (ServiceAccount.Status.parse(status) != ServiceAccount.Status.ACTIVE) {
            return new Rotation.Disabled();
        }
        Instant now = clock.instant();
        String secret = newSecret();
        boolean keep = !overlap.isZero();
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE service_accounts SET
                    previous_secret_hash = CASE WHEN ? THEN secret_hash END,
                    previous_secret_version = CASE WHEN ? THEN secret_version END,
                    previous_secret_created_at = CASE WHEN ? THEN secret_created_at END,
                    previous_secret_expires_at = CASE WHEN ? THEN ?::timestamptz END,
                    secret_hash = ?, secret_version = secret_version + 1, secret_created_at = ?
                WHERE id = ?""")) {
            for (int i = 1; i <= 4; i++) {
                ps.setBoolean(i, keep);
            }
            ps.setTimestamp(5, Timestamp.from(now.plus(overlap)));
            ps.setBytes(6, mac(secret));
            ps.setTimestamp(7, Timestamp.from(now));
            ps.setObject(8, id);
            ps.executeUpdate();
        }
        return new Rotation.Rotated(view(c, orgId, id).orElseThrow(), secret);
    }

    /** After a rotation committed: every instance drops its cached secrets of the account before this returns. */
    public void secretRotated(UUID id) {
        byClientId.clear();
        state.serviceAccountChanged(id);
    }

    private Optional<Cached> load(String clientId, long generation) {
        if (clientId.length() > 64) {
            return Optional.empty();
        }
        Optional<Cached> loaded = db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                    + ", secret_hash, previous_secret_hash, previous_secret_expires_at FROM service_accounts WHERE client_id = ?")) {
                ps.setString(1, clientId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    byte[] previousHash = rs.getBytes(10);
                    Optional<Previous> previous = previousHash == null ? Optional.empty()
                            : Optional.of(new Previous(previousHash, rs.getTimestamp(11).toInstant()));
                    return Optional.of(new Cached(map(rs), rs.getBytes(9), previous, generation));
                }
            }
        });
        loaded.ifPresent(cd -> {
            if (byClientId.size() > 50_000) {
                byClientId.clear();
            }
            byClientId.put(clientId, cd);
        });
        return loaded;
    }

    public Optional<ServiceAccount> find(UUID id) {
        return db.run(c -> find(c, id));
    }

    Optional<ServiceAccount> find(Connection c, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM service_accounts WHERE id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /** The account with its secret versions and last use, if it belongs to {@code orgId}. */
    public Optional<ServiceAccountView> view(UUID orgId, UUID id) {
        return db.run(c -> view(c, orgId, id));
    }

    private Optional<ServiceAccountView> view(Connection c, UUID orgId, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + ServiceAccountPages.VIEW_COLUMNS
                + " FROM service_accounts WHERE id = ? AND org_id = ?")) {
            ps.setObject(1, id);
            ps.setObject(2, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(ServiceAccountPages.mapView(rs, clock.instant())) : Optional.empty();
            }
        }
    }

    /** Disables the account: its tokens stop verifying on every instance when this returns. */
    public boolean disable(UUID orgId, UUID id) {
        int n = db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE service_accounts SET status = 'disabled' WHERE id = ? AND org_id = ? AND status = 'active'")) {
                ps.setObject(1, id);
                ps.setObject(2, orgId);
                return ps.executeUpdate();
            }
        });
        byClientId.clear();
        state.serviceAccountChanged(id);
        return n > 0;
    }

    private String newSecret() {
        byte[] secretBytes = new byte[32];
        random.nextBytes(secretBytes);
        return "lss_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
    }

    static ServiceAccount map(ResultSet rs) throws SQLException {
        return new ServiceAccount(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                List.of((String[]) rs.getArray(5).getArray()), List.of((String[]) rs.getArray(6).getArray()),
                ServiceAccount.Status.parse(rs.getString(7)), rs.getTimestamp(8).toInstant());
    }

    private byte[] mac(String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secretKey, "HmacSHA256"));
            return mac.doFinal(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }
}
