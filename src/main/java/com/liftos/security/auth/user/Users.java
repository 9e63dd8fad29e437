package com.liftos.security.auth.user;

import com.liftos.security.store.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * User rows (the {@code users} table, which only the identity feature touches). Emails are stored lower-case and
 * unique across all organizations.
 */
public final class Users implements UserDirectory {
    /**
     * The columns {@link #read} maps, in its order (1-9): for the identity feature's own queries that join
     * {@code users} (login, refresh rotation), so one mapping serves them all.
     */
    public static final String COLUMNS = "id, org_id, email, display_name, roles, status, password_changed_at, locked_until, created_at";

    private final Db db;
    private final Clock clock;

    public Users(Db db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Inserts a user in the caller's transaction. */
    public User create(Connection c, UUID orgId, String email, Optional<String> displayName, String passwordHash, List<String> roles)
            throws SQLException {
        UUID id = UUID.randomUUID();
        Timestamp now = Timestamp.from(clock.instant());
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO users (id, org_id, email, display_name, password_hash, password_changed_at, roles, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)) {
            ps.setObject(1, id);
            ps.setObject(2, orgId);
            ps.setString(3, email.toLowerCase(Locale.ROOT));
            ps.setString(4, displayName.orElse(null));
            ps.setString(5, passwordHash);
            ps.setTimestamp(6, now);
            ps.setArray(7, c.createArrayOf("text", roles.toArray()));
            ps.setTimestamp(8, now);
            ps.setTimestamp(9, now);
            ps.executeUpdate();
        }
        return find(c, id).orElseThrow();
    }

    public Optional<User> find(UUID id) {
        return db.run(c -> find(c, id));
    }

    public Optional<User> find(Connection c, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM users WHERE id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    public Optional<User> findByEmail(String email) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM users WHERE lower(email) = lower(?)")) {
                ps.setString(1, email);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    public long count() {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM users"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /**
     * Replaces the user's email in the caller's transaction (stored lower-case); a unique violation (the address
     * belongs to another account) surfaces as the driver's SQLState 23505. False when there is no such user.
     */
    public boolean setEmail(Connection c, UUID userId, String email) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE users SET email = ?, updated_at = ? WHERE id = ?")) {
            ps.setString(1, email.toLowerCase(Locale.ROOT));
            ps.setTimestamp(2, Timestamp.from(clock.instant()));
            ps.setObject(3, userId);
            return ps.executeUpdate() == 1;
        }
    }

    /** Replaces the user's display name in the caller's transaction; false when there is no such user. */
    public boolean setDisplayName(Connection c, UUID userId, String displayName) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE users SET display_name = ?, updated_at = ? WHERE id = ?")) {
            ps.setString(1, displayName);
            ps.setTimestamp(2, Timestamp.from(clock.instant()));
            ps.setObject(3, userId);
            return ps.executeUpdate() == 1;
        }
    }

    /** The user in columns 1-9 of the current row, selected as {@link #COLUMNS}. */
    public static User read(ResultSet rs) throws SQLException {
        Timestamp locked = rs.getTimestamp(8);
        String[] roles = (String[]) rs.getArray(5).getArray();
        return new User(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                Optional.ofNullable(rs.getString(4)), List.of(roles), User.Status.parse(rs.getString(6)),
                rs.getTimestamp(7).toInstant(), Optional.ofNullable(locked).map(Timestamp::toInstant),
                rs.getTimestamp(9).toInstant());
    }

    @Override
    public boolean isMember(UUID orgId, UUID userId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM users WHERE id = ? AND org_id = ?")) {
                ps.setObject(1, userId);
                ps.setObject(2, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public List<UUID> activeUserIds(UUID orgId) {
        return db.run(c -> {
            List<UUID> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM users WHERE org_id = ? AND status = 'active'")) {
                ps.setObject(1, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            return ids;
        });
    }

    @Override
    public AccountFigures accountFigures(UUID orgId, int passwordMaxAgeDays, Instant now) {
        return db.run(c -> {
            long active;
            long expired;
            long locked;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT count(*) FILTER (WHERE status = 'active'),
                           count(*) FILTER (WHERE status = 'active' AND ? > 0 AND password_changed_at < ?),
                           count(*) FILTER (WHERE locked_until > ?)
                    FROM users WHERE org_id = ?
                    """)) {
                ps.setInt(1, passwordMaxAgeDays);
                ps.setTimestamp(2, Timestamp.from(now.minus(Duration.ofDays(Math.max(0, passwordMaxAgeDays)))));
                ps.setTimestamp(3, Timestamp.from(now));
                ps.setObject(4, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    active = rs.getLong(1);
                    expired = rs.getLong(2);
                    locked = rs.getLong(3);
                }
            }
            Map<String, Long> roles = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT r, count(*) FROM users, unnest(roles) AS r WHERE org_id = ? AND status = 'active' GROUP BY r")) {
                ps.setObject(1, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        roles.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
            return new AccountFigures(active, roles, expired, locked);
        });
    }

    @Override
    public List<UUID> holdersOf(Connection c, UUID orgId, String roleId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM users WHERE org_id = ? AND ? = ANY (roles)")) {
            ps.setObject(1, orgId);
            ps.setString(2, roleId);
            List<UUID> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getObject(1, UUID.class));
                }
            }
            return out;
        }
    }

    @Override
    public Optional<List<String>> lockRoles(Connection c, UUID orgId, UUID userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT roles FROM users WHERE id = ? AND org_id = ? FOR UPDATE")) {
            ps.setObject(1, userId);
            ps.setObject(2, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                List<String> roles = new ArrayList<>();
                for (Object o : (Object[]) rs.getArray(1).getArray()) {
                    roles.add(String.valueOf(o));
                }
                return Optional.of(List.copyOf(roles));
            }
        }
    }

    @Override
    public boolean setRoles(Connection c, UUID orgId, UUID userId, List<String> roles) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE users SET roles = ?, updated_at = ? WHERE id = ? AND org_id = ?")) {
            ps.setArray(1, c.createArrayOf("text", roles.toArray()));
            ps.setTimestamp(2, Timestamp.from(clock.instant()));
            ps.setObject(3, userId);
            ps.setObject(4, orgId);
            return ps.executeUpdate() == 1;
        }
    }
}
