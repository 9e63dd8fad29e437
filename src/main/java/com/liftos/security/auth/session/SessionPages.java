package com.liftos.security.auth.session;

import com.liftos.security.store.Db;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A user's sessions in pages and the devices they signed in from, for an administrator. Sessions come newest first,
 * keyset-paged on (created_at, id) over {@code auth_sessions_user_created_order_idx} (live ones over the partial
 * {@code auth_sessions_user_live_order_idx}, V12_1: id in the index, so no plan sorts), so a page costs the same however many sessions the user has had.
 */
public final class SessionPages {
    static final String COLUMNS = """
            id, user_id, org_id, device_fingerprint, device_id, client_ip, user_agent, amr, created_at,
            last_seen_at, ended_at, end_reason, new_device, ip_changed, risk_score""";

    private final Db db;

    public SessionPages(Db db) {
        this.db = db;
    }

    /** Which sessions a listing shows: not yet ended ({@code active}), ended, or both. */
    public enum State {
        ACTIVE(" AND ended_at IS NULL"), ENDED(" AND ended_at IS NOT NULL"), ALL("");

        private final String condition;

        State(String condition) {
            this.condition = condition;
        }

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A position in the listing's order (newest first): the next page holds older sessions. */
    public record Key(Instant createdAt, UUID id) {}

    /** A device a user signed in from: its fingerprint, when it was first and last seen, from where. */
    public record KnownDevice(String fingerprint, Instant firstSeen, Instant lastSeen, Optional<String> lastIp,
                              Optional<String> userAgent) {}

    /** Up to {@code limit} of the user's sessions in {@code state}, newest first, after {@code after}. */
    public List<SessionInfo> page(UUID userId, State state, Optional<Key> after, int limit) {
        return db.run(c -> {
            String sql = "SELECT " + COLUMNS + " FROM auth_sessions WHERE user_id = ?" + state.condition
                    + (after.isPresent() ? " AND (created_at, id) < (?, ?)" : "") + " ORDER BY created_at DESC, id DESC LIMIT ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                ps.setObject(i++, userId);
                if (after.isPresent()) {
                    ps.setTimestamp(i++, Timestamp.from(after.get().createdAt()));
                    ps.setObject(i++, after.get().id());
                }
                ps.setInt(i, limit);
                List<SessionInfo> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                }
                return out;
            }
        });
    }

    /** How many sessions of the user are in {@code state}. */
    public long count(UUID userId, State state) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM auth_sessions WHERE user_id = ?" + state.condition)) {
                ps.setObject(1, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** The user's session {@code sessionId}, if it is theirs. */
    public Optional<SessionInfo> find(UUID userId, UUID sessionId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM auth_sessions WHERE id = ? AND user_id = ?")) {
                ps.setObject(1, sessionId);
                ps.setObject(2, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    /** The {@code limit} devices the user signed in from most recently, latest first. */
    public List<KnownDevice> devices(UUID userId, int limit) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT fingerprint, first_seen, last_seen, last_ip, user_agent FROM known_devices
                    WHERE user_id = ? ORDER BY last_seen DESC, fingerprint LIMIT ?""")) {
                ps.setObject(1, userId);
                ps.setInt(2, limit);
                List<KnownDevice> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new KnownDevice(rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getTimestamp(3).toInstant(),
                                Optional.ofNullable(rs.getString(4)), Optional.ofNullable(rs.getString(5))));
                    }
                }
                return out;
            }
        });
    }

    static SessionInfo read(ResultSet rs) throws SQLException {
        return new SessionInfo(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class),
                rs.getString(4), Optional.ofNullable(rs.getString(5)), rs.getString(6),
                Optional.ofNullable(rs.getString(7)), List.of((String[]) rs.getArray(8).getArray()),
                rs.getTimestamp(9).toInstant(), rs.getTimestamp(10).toInstant(),
                Optional.ofNullable(rs.getTimestamp(11)).map(Timestamp::toInstant),
                Optional.ofNullable(rs.getString(12)), rs.getBoolean(13), rs.getBoolean(14), rs.getDouble(15));
    }
}
