package com.liftos.security.connection;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The connection tables' SQL; every method runs on the caller's JDBC connection (and so in its transaction). */
final class ConnectionStore {
    private static final String COLUMNS = "id, org_id, provider, status, params, metadata, scopes, sealed_tokens, token_generation, "
            + "access_expires_at, fence, lease_until, refresh_count, last_refreshed_at, created_by, created_at, updated_at, "
            + "retry_not_before, budget_window_start, budget_used, failures";
    private static final String FIND = "SELECT " + COLUMNS + " FROM connections WHERE id = ? AND org_id = ?";
    private static final String FIND_FOR_UPDATE = FIND + " FOR UPDATE";
    private final ObjectMapper json;

    ConnectionStore(ObjectMapper json) {
        this.json = json;
    }

    enum Status {
        ACTIVE("active"), RELINK_NEEDED("relink_needed"), DISCONNECTED("disconnected");

        private final String wire;

        Status(String wire) {
            this.wire = wire;
        }

        String wire() {
            return wire;
        }

        static Status of(String s) {
            for (Status v : values()) {
                if (v.wire.equals(s)) {
                    return v;
                }
            }
            throw new IllegalStateException("unknown connection status in the database");
        }
    }

    record Row(UUID id, UUID orgId, String provider, Status status, Map<String, String> params, String metadataJson, String scopes,
               Optional<byte[]> sealedTokens, long generation, Optional<Instant> accessExpiresAt, long fence, Optional<Instant> leaseUntil,
               long refreshCount, Optional<Instant> lastRefreshedAt, UUID createdBy, Instant createdAt, Instant updatedAt,
               Optional<Instant> retryNotBefore, Optional<Instant> budgetWindowStart, int budgetUsed, int failures) {}

    record AppRow(String clientId, byte[] sealedSecret, Instant updatedAt) {}

    record SessionRow(UUID id, UUID orgId, String provider, Optional<UUID> connectionId, Map<String, String> params,
                      Optional<byte[]> sealedVerifier, UUID createdBy) {}

    void upsertApp(Connection c, UUID org, String provider, String clientId, byte[] sealed, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO connection_apps (org_id, provider, client_id, sealed_secret, updated_at) "
                + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (org_id, provider) DO UPDATE SET client_id = EXCLUDED.client_id, "
                + "sealed_secret = EXCLUDED.sealed_secret, updated_at = EXCLUDED.updated_at")) {
            ps.setObject(1, org);
            ps.setString(2, provider);
            ps.setString(3, clientId);
            ps.setBytes(4, sealed);
            ps.setTimestamp(5, Timestamp.from(now));
            ps.executeUpdate();
        }
    }

    Optional<AppRow> app(Connection c, UUID org, String provider) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT client_id, sealed_secret, updated_at FROM connection_apps WHERE org_id = ? AND provider = ?")) {
            ps.setObject(1, org);
            ps.setString(2, provider);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new AppRow(rs.getString(1), rs.getBytes(2), rs.getTimestamp(3).toInstant())) : Optional.empty();
            }
        }
    }

    void insertSession(Connection c, UUID id, byte[] stateHash, UUID org, String provider, Optional<UUID> connectionId,
                       Map<String, String> params, Optional<byte[]> sealedVerifier, UUID createdBy, Instant now, Instant expires) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO connection_sessions (id, state_hash, org_id, provider, connection_id, params, "
                + "sealed_verifier, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?)")) {
            ps.setObject(1, id);
            ps.setBytes(2, stateHash);
            ps.setObject(3, org);
            ps.setString(4, provider);
            ps.setObject(5, connectionId.orElse(null));
            ps.setString(6, write(params));
            ps.setBytes(7, sealedVerifier.orElse(null));
            ps.setObject(8, createdBy);
            ps.setTimestamp(9, Timestamp.from(now));
            ps.setTimestamp(10, Timestamp.from(expires));
            ps.executeUpdate();
        }
    }

    /** Uses the session of {@code stateHash} up: at most one caller ever gets it, and only before it expires. */
    Optional<SessionRow> claimSession(Connection c, byte[] stateHash, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE connection_sessions SET used_at = ? WHERE state_hash = ? AND used_at IS NULL "
                + "AND expires_at > ? RETURNING id, org_id, provider, connection_id, params::text, sealed_verifier, created_by")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setBytes(2, stateHash);
            ps.setTimestamp(3, Timestamp.from(now));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new SessionRow(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                        Optional.ofNullable(rs.getObject(4, UUID.class)), params(rs.getString(5)), Optional.ofNullable(rs.getBytes(6)),
                        rs.getObject(7, UUID.class)));
            }
        }
    }

    Optional<Row> find(Connection c, UUID org, UUID id, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = forUpdate ? c.prepareStatement(FIND_FOR_UPDATE) : c.prepareStatement(FIND)) {
            ps.setObject(1, id);
            ps.setObject(2, org);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    List<Row> list(Connection c, UUID org, Optional<UUID> after, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM connections WHERE org_id = ? AND id > ? ORDER BY id LIMIT ?")) {
            ps.setObject(1, org);
            ps.setObject(2, after.orElse(new UUID(0, 0))); // the nil UUID sorts first in PostgreSQL (bytewise)
            ps.setInt(3, limit);
            List<Row> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
            return out;
        }
    }

    /**
     * Active connections of {@code providers} whose token ends before {@code before} and is past half its life, whose
     * lease (if any) lapsed and whose provider may be asked again, soonest first.
     */
    List<Row> due(Connection c, List<String> providers, Instant before, Instant now, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM connections WHERE status = 'active' "
                + "AND sealed_tokens IS NOT NULL AND access_expires_at < ? AND provider = ANY (?) "
                // and past half its life (updated_at is when the current token was stored): a token living less than
                // the refresh-ahead time is not refreshed again at every pass
                + "AND access_expires_at - ?::timestamptz < (access_expires_at - updated_at) / 2 "
                + "AND (lease_until IS NULL OR lease_until < ?) AND (retry_not_before IS NULL OR retry_not_before <= ?) "
                + "ORDER BY access_expires_at LIMIT ?")) {
            ps.setTimestamp(1, Timestamp.from(before));
            ps.setArray(2, c.createArrayOf("text", providers.toArray()));
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setTimestamp(4, Timestamp.from(now));
            ps.setTimestamp(5, Timestamp.from(now));
            ps.setInt(6, limit);
            List<Row> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
            return out;
        }
    }

    long count(Connection c, UUID org) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM connections WHERE org_id = ?")) {
            ps.setObject(1, org);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    void insert(Connection c, UUID id, UUID org, String provider, Map<String, String> params, String metadata, String scopes,
                byte[] sealed, long generation, Optional<Instant> expires, UUID createdBy, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO connections (id, org_id, provider, status, params, metadata, scopes, "
                + "sealed_tokens, token_generation, access_expires_at, fence, created_by, created_at, updated_at) "
                + "VALUES (?, ?, ?, 'active', ?::jsonb, ?::jsonb, ?, ?, ?, ?, 1, ?, ?, ?)")) {
            ps.setObject(1, id);
            ps.setObject(2, org);
            ps.setString(3, provider);
            ps.setString(4, write(params));
            ps.setString(5, metadata);
            ps.setString(6, scopes);
            ps.setBytes(7, sealed);
            ps.setLong(8, generation);
            ps.setTimestamp(9, expires.map(Timestamp::from).orElse(null));
            ps.setObject(10, createdBy);
            ps.setTimestamp(11, Timestamp.from(now));
            ps.setTimestamp(12, Timestamp.from(now));
            ps.executeUpdate();
        }
    }

    /** A re-connect: new tokens and grant under the same id; the fence moves, so an in-flight refresh cannot store over them. */
    void relink(Connection c, UUID id, Map<String, String> params, String metadata, String scopes, byte[] sealed, long generation,
                Optional<Instant> expires, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE connections SET status = 'active', params = ?::jsonb, metadata = ?::jsonb, "
                + "scopes = ?, sealed_tokens = ?, token_generation = ?, access_expires_at = ?, fence = fence + 1, lease_until = NULL, "
                + "retry_not_before = NULL, budget_window_start = NULL, budget_used = 0, failures = 0, last_failure = NULL, "
                + "updated_at = ? WHERE id = ?")) {
            ps.setString(1, write(params));
            ps.setString(2, metadata);
            ps.setString(3, scopes);
            ps.setBytes(4, sealed);
            ps.setLong(5, generation);
            ps.setTimestamp(6, expires.map(Timestamp::from).orElse(null));
            ps.setTimestamp(7, Timestamp.from(now));
            ps.setObject(8, id);
            ps.executeUpdate();
        }
    }

    /**
     * Takes the refresh lease of a row locked {@code FOR UPDATE}: the new fence. {@code budgetWindowStart} and
     * {@code budgetUsed} are the provider budget after this refresh is counted.
     */
    long lease(Connection c, UUID id, Instant until, Optional<Instant> budgetWindowStart, int budgetUsed) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE connections SET fence = fence + 1, lease_until = ?, budget_window_start = ?, "
                + "budget_used = ? WHERE id = ? RETURNING fence")) {
            ps.setTimestamp(1, Timestamp.from(until));
            ps.setTimestamp(2, budgetWindowStart.map(Timestamp::from).orElse(null));
            ps.setInt(3, budgetUsed);
            ps.setObject(4, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Stores refreshed tokens only while the lease {@code fence} is still current; false when a newer holder took over. */
    boolean storeRefreshed(Connection c, UUID id, long fence, byte[] sealed, long generation, Instant expires, String metadata,
                           Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE connections SET sealed_tokens = ?, token_generation = ?, access_expires_at = ?, "
                + "metadata = metadata || ?::jsonb, lease_until = NULL, refresh_count = refresh_count + 1, last_refreshed_at = ?, "
                + "retry_not_before = NULL, failures = 0, last_failure = NULL, updated_at = ? WHERE id = ? AND fence = ? AND status = 'active'")) {
            ps.setBytes(1, sealed);
            ps.setLong(2, generation);
            ps.setTimestamp(3, Timestamp.from(expires));
            ps.setString(4, metadata);
            ps.setTimestamp(5, Timestamp.from(now));
            ps.setTimestamp(6, Timestamp.from(now));
            ps.setObject(7, id);
            ps.setLong(8, fence);
            return ps.executeUpdate() == 1;
        }
    }

    /** Ends a lease without new tokens (the provider failed): the next caller may try at once. */
    void releaseLease(Connection c, UUID id, long fence) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE connections SET lease_until = NULL WHERE id = ? AND fence = ?")) {
            ps.setObject(1, id);
            ps.setLong(2, fence);
            ps.executeUpdate();
        }
    }

    boolean markRelinkNeeded(Connection c, UUID id, long fence, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE connections SET status = 'relink_needed', lease_until = NULL, updated_at = ?, "
                + "failures = failures + 1, last_failed_at = ?, last_failure = 'invalid_grant' WHERE id = ? AND fence = ? AND status = 'active'")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setObject(3, id);
            ps.setLong(4, fence);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * A refresh that failed (the provider down, slow, rate limiting or refusing): ends the lease and keeps every
     * instance from calling the provider for this connection before {@code retryNotBefore}; the failure count is
     * returned (0 when a newer holder took over).
     */
    int recordFailure(Connection c, UUID id, long fence, String reason, Instant retryNotBefore, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE connections SET lease_until = NULL, retry_not_before = ?, failures = failures + 1, "
                + "last_failed_at = ?, last_failure = ? WHERE id = ? AND fence = ? RETURNING failures")) {
            ps.setTimestamp(1, Timestamp.from(retryNotBefore));
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setString(3, reason);
            ps.setObject(4, id);
            ps.setLong(5, fence);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    /** How many connections of {@code provider} failed (a refresh, or their grant) since {@code since}. */
    long failingOf(Connection c, String provider, Instant since) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM connections WHERE provider = ? AND last_failed_at > ?")) {
            ps.setString(1, provider);
            ps.setTimestamp(2, Timestamp.from(since));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    void disconnect(Connection c, UUID id, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE connections SET status = 'disconnected', sealed_tokens = NULL, "
                + "access_expires_at = NULL, fence = fence + 1, lease_until = NULL, updated_at = ? WHERE id = ?")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setObject(2, id);
            ps.executeUpdate();
        }
    }

    private Row row(ResultSet rs) throws SQLException {
        return new Row(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), Status.of(rs.getString(4)),
                params(rs.getString(5)), rs.getString(6), rs.getString(7), Optional.ofNullable(rs.getBytes(8)), rs.getLong(9),
                instant(rs.getTimestamp(10)), rs.getLong(11), instant(rs.getTimestamp(12)), rs.getLong(13), instant(rs.getTimestamp(14)),
                rs.getObject(15, UUID.class), rs.getTimestamp(16).toInstant(), rs.getTimestamp(17).toInstant(), instant(rs.getTimestamp(18)),
                instant(rs.getTimestamp(19)), rs.getInt(20), rs.getInt(21));
    }

    private static Optional<Instant> instant(Timestamp t) {
        return Optional.ofNullable(t).map(Timestamp::toInstant);
    }

    private Map<String, String> params(String text) {
        try {
            return json.readValue(text, new TypeReference<Map<String, String>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored connection parameters are not JSON", e);
        }
    }

    String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("not serializable", e);
        }
    }
}
