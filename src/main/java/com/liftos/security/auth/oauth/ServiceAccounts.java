package com.liftos.security.auth.oauth;

import com.liftos.security.auth.token.TokenState;
import com.liftos.security.store.Db;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Service accounts and their client secrets. A secret is 256 random bits, shown once; only
 * HMAC-SHA256(server key, secret) is stored — a high-entropy secret needs no slow hash, and the server key (derived
 * from the service key, which lives in the database wrapped under the master key) means a stolen table alone cannot even be used to test guesses. Comparison is constant-time.
 * Verified credentials are cached per client id and dropped whenever the account changes (trigger-fed, see
 * {@link TokenState}).
 */
public final class ServiceAccounts {
    private static final String COLUMNS = "id, org_id, name, client_id, roles, permissions, status, created_at";

    private final Db db;
    private final byte[] secretKey;
    private final Clock clock;
    private final SecureRandom random;
    private final TokenState state;
    private final Map<String, Cached> byClientId = new ConcurrentHashMap<>();

    private record Cached(ServiceAccount account, byte[] secretHash, long generation) {}

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
        byte[] secretBytes = new byte[32];
        random.nextBytes(secretBytes);
        String secret = "lss_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO service_accounts (id, org_id, name, client_id, secret_hash, roles, permissions, status, created_at, created_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)""")) {
            ps.setObject(1, id);
            ps.setObject(2, orgId);
            ps.setString(3, name);
            ps.setString(4, clientId);
            ps.setBytes(5, mac(secret));
            ps.setArray(6, c.createArrayOf("text", roles.toArray()));
            ps.setArray(7, c.createArrayOf("text", permissions.toArray()));
            ps.setTimestamp(8, Timestamp.from(clock.instant()));
            ps.setObject(9, createdBy);
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
        boolean ok = MessageDigest.isEqual(presented, cached.secretHash());
        return ok && cached.account().status() == ServiceAccount.Status.ACTIVE ? Optional.of(cached.account()) : Optional.empty();
    }

    private Optional<Cached> load(String clientId, long generation) {
        if (clientId.length() > 64) {
            return Optional.empty();
        }
        Optional<Cached> loaded = db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + ", secret_hash FROM service_accounts WHERE client_id = ?")) {
                ps.setString(1, clientId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Cached(map(rs), rs.getBytes(9), generation)) : Optional.empty();
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

    public List<ServiceAccount> list(UUID orgId) {
        return db.run(c -> {
            List<ServiceAccount> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM service_accounts WHERE org_id = ? ORDER BY created_at")) {
                ps.setObject(1, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(map(rs));
                    }
                }
            }
            return out;
        });
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

    private static ServiceAccount map(ResultSet rs) throws SQLException {
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
