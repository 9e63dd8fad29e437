package com.liftos.security.auth.user;

import com.liftos.security.store.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * User rows (the {@code users} table, which only the identity feature touches). Emails are stored lower-case and
 * unique across all organizations.
 */
public final class Users {
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

    /** The ids of an organization's active users. */
    public List<UUID> activeIn(UUID orgId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM users WHERE org_id = ? AND status = 'active'")) {
                ps.setObject(1, orgId);
                List<UUID> ids = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getObject(1, UUID.class));
                    }
                }
                return ids;
            }
        });
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
}
