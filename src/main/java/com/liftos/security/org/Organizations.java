package com.liftos.security.org;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.store.Db;
import com.liftos.security.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Organizations and their security configuration. */
public final class Organizations {
    private final Db db;
    private final ObjectMapper json;
    private final Clock clock;

    public Organizations(Db db, ObjectMapper json, Clock clock) {
        this.db = db;
        this.json = json;
        this.clock = clock;
    }

    /** Creates an organization with the default security configuration, in the caller's transaction. */
    public Organization create(Connection c, String name) throws SQLException {
        Organization org = new Organization(UUID.randomUUID(), name, "active", clock.instant());
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO organizations (id, name, status, created_at) VALUES (?, ?, ?, ?)")) {
            ps.setObject(1, org.id());
            ps.setString(2, org.name());
            ps.setString(3, org.status());
            ps.setTimestamp(4, java.sql.Timestamp.from(org.createdAt()));
            ps.executeUpdate();
        }
        storeConfig(c, org.id(), SecurityConfig.defaults(), Optional.empty());
        return org;
    }

    /** Creates the organization with {@code id} if it does not exist; keeps an existing one untouched. */
    public Organization ensure(UUID id, String name) {
        return db.tx(c -> {
            Optional<Organization> existing = find(c, id);
            if (existing.isPresent()) {
                return existing.get();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO organizations (id, name, status, created_at) VALUES (?, ?, 'active', ?)")) {
                ps.setObject(1, id);
                ps.setString(2, name);
                ps.setTimestamp(3, java.sql.Timestamp.from(clock.instant()));
                ps.executeUpdate();
            }
            storeConfig(c, id, SecurityConfig.defaults(), Optional.empty());
            return find(c, id).orElseThrow();
        });
    }

    public Organization create(String name) {
        return db.tx(c -> create(c, name));
    }

    public Optional<Organization> find(UUID id) {
        return db.run(c -> find(c, id));
    }

    public Optional<Organization> find(Connection c, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id, name, status, created_at FROM organizations WHERE id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    public Optional<Organization> findByName(String name) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, name, status, created_at FROM organizations WHERE lower(name) = lower(?)")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(map(rs)) : Optional.empty();
                }
            }
        });
    }

    public List<Organization> list() {
        return db.run(c -> {
            List<Organization> all = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, name, status, created_at FROM organizations ORDER BY created_at");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    all.add(map(rs));
                }
            }
            return all;
        });
    }

    /** A position in the organizations' listing order (name case-insensitively and byte-wise, then id). */
    public record NameKey(String name, UUID id) {}

    /**
     * Up to {@code limit} organizations whose name starts with {@code prefix} (case-insensitive), in name order,
     * after {@code after}: keyset pages (no OFFSET), so none is skipped or repeated while organizations come and go.
     */
    public List<Organization> page(Optional<String> prefix, Optional<NameKey> after, int limit) {
        return db.run(c -> {
            String sql = "SELECT id, name, status, created_at FROM organizations WHERE true"
                    + (prefix.isPresent() ? " AND starts_with(lower(name), lower(?))" : "")
                    + (after.isPresent() ? " AND (lower(name) COLLATE \"C\", id) > (lower(CAST(? AS text)) COLLATE \"C\", ?)" : "")
                    + " ORDER BY lower(name) COLLATE \"C\", id LIMIT ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                if (prefix.isPresent()) {
                    ps.setString(i++, prefix.get());
                }
                if (after.isPresent()) {
                    ps.setString(i++, after.get().name());
                    ps.setObject(i++, after.get().id());
                }
                ps.setInt(i, limit);
                List<Organization> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(map(rs));
                    }
                }
                return out;
            }
        });
    }

    /** How many organizations' names start with {@code prefix} (case-insensitive); all of them without one. */
    public long count(Optional<String> prefix) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM organizations"
                    + (prefix.isPresent() ? " WHERE starts_with(lower(name), lower(?))" : ""))) {
                if (prefix.isPresent()) {
                    ps.setString(1, prefix.get());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /**
     * Deletes the organization in the caller's transaction; everything tied to it by foreign key (users, sessions,
     * credentials, configuration, ...) goes with it. False when there was no such organization.
     */
    public boolean delete(Connection c, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM organizations WHERE id = ?")) {
            ps.setObject(1, id);
            return ps.executeUpdate() == 1;
        }
    }

    public long count() {
        return db.run(this::count);
    }

    public long count(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM organizations");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The organization's configuration; defaults when none is stored. */
    public SecurityConfig securityConfig(UUID orgId) {
        return db.run(c -> securityConfig(c, orgId));
    }

    public SecurityConfig securityConfig(Connection c, UUID orgId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT config::text FROM org_security_config WHERE org_id = ?")) {
            ps.setObject(1, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return SecurityConfig.defaults();
                }
                try {
                    return json.readValue(rs.getString(1), SecurityConfig.class);
                } catch (JsonProcessingException e) {
                    throw new StoreException("stored security configuration of an organization is unreadable", e);
                }
            }
        }
    }

    /** Replaces the configuration (upsert) and returns the previous one. */
    public SecurityConfig replaceSecurityConfig(Connection c, UUID orgId, SecurityConfig config, Optional<UUID> by) throws SQLException {
        SecurityConfig previous = securityConfig(c, orgId);
        storeConfig(c, orgId, config, by);
        return previous;
    }

    private void storeConfig(Connection c, UUID orgId, SecurityConfig config, Optional<UUID> by) throws SQLException {
        String body;
        try {
            body = json.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("security configuration is not serializable", e);
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO org_security_config (org_id, config, version, updated_at, updated_by)
                VALUES (?, ?::jsonb, 1, ?, ?)
                ON CONFLICT (org_id) DO UPDATE SET config = EXCLUDED.config, version = org_security_config.version + 1,
                    updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
                """)) {
            ps.setObject(1, orgId);
            ps.setString(2, body);
            ps.setTimestamp(3, java.sql.Timestamp.from(clock.instant()));
            ps.setObject(4, by.orElse(null));
            ps.executeUpdate();
        }
    }

    private static Organization map(ResultSet rs) throws SQLException {
        Instant created = rs.getTimestamp(4).toInstant();
        return new Organization(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), created);
    }
}
