package com.liftos.security.rbac;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.user.UserDirectory;
import com.liftos.security.identity.Permission;
import com.liftos.security.identity.PermissionCatalogue;
import com.liftos.security.identity.PermissionSet;
import com.liftos.security.identity.Role;
import com.liftos.security.identity.RoleDirectory;
import com.liftos.security.store.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * An organization's own roles ({@code custom_roles}): a name and a set of organization-scoped permissions from the
 * {@link PermissionCatalogue}, assigned to users by name like the built-in roles ({@link #directory} answers for
 * both). Sign-in and every refresh read a custom role afresh, so a token carries what its roles grant when it was
 * issued.
 * <p>
 * No escalation: a caller creates, changes or deletes a role only when they hold every permission it grants, before
 * and after the change; a platform permission ({@code manage:system}) or a wildcard is never part of one. A change
 * that takes a permission away ends the sessions of every holder, as revoking a built-in role does, so no access
 * token outlives it; an added permission arrives with the holders' next refresh, as an added built-in role does.
 * A role still held by a user cannot be deleted (so a later role of the same name never inherits its holders).
 */
public final class CustomRoles {
    static final int MAX_ROLES_PER_ORG = 100;
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{1,39}");

    private final Db db;
    private final UserDirectory users;
    private final AuditLog audit;
    private final Clock clock;
    private final Consumer<UUID> endSessionsOfUser;

    /** @param endSessionsOfUser ends every session of a user (and with them their access tokens) */
    public CustomRoles(Db db, UserDirectory users, AuditLog audit, Clock clock, Consumer<UUID> endSessionsOfUser) {
        this.db = db;
        this.users = users;
        this.audit = audit;
        this.clock = clock;
        this.endSessionsOfUser = endSessionsOfUser;
    }

    /** One custom role as stored. */
    public record CustomRole(UUID id, UUID orgId, String name, String description, List<Permission> permissions,
                             Instant createdAt, Instant updatedAt) {
        public CustomRole {
            permissions = List.copyOf(permissions);
        }
    }

    /** What a caller asks for: a name (creation only), a description and the permissions. */
    public record Draft(Optional<String> name, Optional<String> description, List<String> permissions) {
        public Draft {
            permissions = List.copyOf(permissions);
        }
    }

    /** Who asks, as the audit trail records them. */
    public record Caller(UUID userId, PermissionSet permissions, SecurityEvent.ActorType actorType, String clientIp,
                         Optional<String> userAgent, String requestId) {}

    /** What a change led to. */
    public sealed interface Outcome {
        record Done(CustomRole role) implements Outcome {}

        /** Bad input, every problem named. */
        record Invalid(List<String> problems) implements Outcome {}

        /** The caller does not hold a permission the role grants (or granted). */
        record Forbidden(String message) implements Outcome {}

        record NotFound() implements Outcome {}

        /** A name already taken, a role still held, or the organization's limit reached. */
        record Conflict(String code, String message) implements Outcome {}
    }

    /**
     * What role ids grant, built-in and custom, read afresh on every call (sign-in and refresh ask it; a user holding
     * only built-in roles costs no query). Needs only the database, so the sign-in can be built before this class.
     */
    public static RoleDirectory directory(Db db) {
        return (orgId, roleId) -> {
            Optional<Role> builtIn = Role.fromId(roleId);
            if (builtIn.isPresent()) {
                return Optional.of(builtIn.get().permissions());
            }
            if (!NAME.matcher(roleId).matches()) {
                return Optional.empty();
            }
            return db.run(c -> findByName(c, orgId, roleId, Lock.NONE)).map(CustomRole::permissions);
        };
    }

    /**
     * What role {@code roleId} grants in {@code orgId}, with the custom role's row share-locked until the caller's
     * transaction ends, so a role being assigned cannot be deleted or changed under the assignment.
     */
    Optional<List<Permission>> lockForAssignment(Connection c, UUID orgId, String roleId) throws SQLException {
        Optional<Role> builtIn = Role.fromId(roleId);
        if (builtIn.isPresent()) {
            return Optional.of(builtIn.get().permissions());
        }
        if (!NAME.matcher(roleId).matches()) {
            return Optional.empty();
        }
        return findByName(c, orgId, roleId, Lock.SHARE).map(CustomRole::permissions);
    }

    /** The organization's custom roles in name order, after {@code afterName}, at most {@code limit}. */
    public List<CustomRole> list(UUID orgId, Optional<String> afterName, int limit) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM custom_roles WHERE org_id = ?"
                    + " AND (?::text IS NULL OR name > ?::text) ORDER BY name LIMIT ?")) {
                ps.setObject(1, orgId);
                ps.setString(2, afterName.orElse(null));
                ps.setString(3, afterName.orElse(null));
                ps.setInt(4, limit);
                List<CustomRole> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                }
                return out;
            }
        });
    }

    public long count(UUID orgId) {
        return db.run(c -> count(c, orgId));
    }

    public Optional<CustomRole> find(UUID orgId, UUID id) {
        return db.run(c -> findById(c, orgId, id, Lock.NONE));
    }

    public Outcome create(UUID orgId, Draft draft, Caller by) {
        List<String> problems = new ArrayList<>();
        String name = draft.name().map(String::strip).orElse("");
        if (!NAME.matcher(name).matches()) {
            problems.add("name must be 2-40 characters: lowercase letters, digits, '_' or '-', starting with a letter");
        } else if (Role.fromId(name).isPresent()) {
            problems.add("name '" + name + "' is a built-in role");
        }
        Set<Permission> permissions = permissions(draft, problems);
        if (!problems.isEmpty()) {
            return new Outcome.Invalid(problems);
        }
        Optional<String> missing = notHeld(by, permissions);
        if (missing.isPresent()) {
            return new Outcome.Forbidden("A role can only grant permissions you hold; you lack " + missing.get());
        }
        Instant now = clock.instant();
        return db.tx(c -> {
            // Serializes the organization's role creations, so the limit holds under concurrency.
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('custom_roles:' || ?::text))")) {
                lock.setString(1, orgId.toString());
                lock.execute();
            }
            if (findByName(c, orgId, name, Lock.NONE).isPresent()) {
                return new Outcome.Conflict("role_exists", "A role named '" + name + "' already exists");
            }
            if (count(c, orgId) >= MAX_ROLES_PER_ORG) {
                return new Outcome.Conflict("too_many_roles", "An organization has at most " + MAX_ROLES_PER_ORG + " custom roles");
            }
            CustomRole role = new CustomRole(UUID.randomUUID(), orgId, name, draft.description().orElse(""),
                    List.copyOf(permissions), now, now);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO custom_roles (id, org_id, name, description,"
                    + " permissions, created_at, updated_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setObject(1, role.id());
                ps.setObject(2, orgId);
                ps.setString(3, name);
                ps.setString(4, role.description());
                ps.setArray(5, c.createArrayOf("text", wire(role.permissions()).toArray()));
                ps.setTimestamp(6, Timestamp.from(now));
                ps.setTimestamp(7, Timestamp.from(now));
                ps.setObject(8, by.userId());
                ps.executeUpdate();
            }
            audit.record(c, event("create_role", orgId, role, by).detail("permissions", wire(role.permissions())).build(now));
            return new Outcome.Done(role);
        });
    }

    public Outcome update(UUID orgId, UUID id, Draft draft, Caller by) {
        List<String> problems = new ArrayList<>();
        Set<Permission> permissions = permissions(draft, problems);
        if (!problems.isEmpty()) {
            return new Outcome.Invalid(problems);
        }
        Instant now = clock.instant();
        List<UUID> holders = new ArrayList<>();
        Outcome outcome = db.tx(c -> {
            holders.clear();
            Optional<CustomRole> found = findById(c, orgId, id, Lock.UPDATE);
            if (found.isEmpty()) {
                return new Outcome.NotFound();
            }
            CustomRole before = found.get();
            if (draft.name().isPresent() && !draft.name().get().strip().equals(before.name())) {
                return new Outcome.Invalid(List.of("name cannot change (users hold the role by its name)"));
            }
            Set<Permission> touched = new LinkedHashSet<>(before.permissions());
            touched.addAll(permissions);
            Optional<String> missing = notHeld(by, touched);
            if (missing.isPresent()) {
                return new Outcome.Forbidden("Only a caller holding every permission of the role, before and after, may change it; you lack "
                        + missing.get());
            }
            CustomRole after = new CustomRole(id, orgId, before.name(), draft.description().orElse(before.description()),
                    List.copyOf(permissions), before.createdAt(), now);
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE custom_roles SET description = ?, permissions = ?, updated_at = ? WHERE id = ? AND org_id = ?")) {
                ps.setString(1, after.description());
                ps.setArray(2, c.createArrayOf("text", wire(after.permissions()).toArray()));
                ps.setTimestamp(3, Timestamp.from(now));
                ps.setObject(4, id);
                ps.setObject(5, orgId);
                ps.executeUpdate();
            }
            List<Permission> removed = new ArrayList<>(before.permissions());
            removed.removeAll(after.permissions());
            audit.record(c, event("update_role", orgId, after, by).detail("old_permissions", wire(before.permissions()))
                    .detail("new_permissions", wire(after.permissions())).build(now));
            if (!removed.isEmpty()) {
                holders.addAll(users.holdersOf(c, orgId, after.name()));
            }
            return new Outcome.Done(after);
        });
        holders.forEach(endSessionsOfUser);
        return outcome;
    }

    public Outcome delete(UUID orgId, UUID id, Caller by) {
        Instant now = clock.instant();
        return db.tx(c -> {
            Optional<CustomRole> found = findById(c, orgId, id, Lock.UPDATE);
            if (found.isEmpty()) {
                return new Outcome.NotFound();
            }
            CustomRole role = found.get();
            Optional<String> missing = notHeld(by, role.permissions());
            if (missing.isPresent()) {
                return new Outcome.Forbidden("Only a caller holding every permission of the role may delete it; you lack " + missing.get());
            }
            int holders = users.holdersOf(c, orgId, role.name()).size();
            if (holders > 0) {
                return new Outcome.Conflict("role_in_use", "The role is held by " + holders + " user(s); take it from them first");
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM custom_roles WHERE id = ? AND org_id = ?")) {
                ps.setObject(1, id);
                ps.setObject(2, orgId);
                ps.executeUpdate();
            }
            audit.record(c, event("delete_role", orgId, role, by).detail("permissions", wire(role.permissions())).build(now));
            return new Outcome.Done(role);
        });
    }

    /** The draft's permissions, each a catalogued organization permission; problems go to {@code problems}. */
    private static Set<Permission> permissions(Draft draft, List<String> problems) {
        if (draft.description().filter(d -> d.length() > 500).isPresent()) {
            problems.add("description must be at most 500 characters");
        }
        Set<Permission> out = new LinkedHashSet<>();
        if (draft.permissions().isEmpty()) {
            problems.add("permissions must name at least one permission");
        }
        for (String text : draft.permissions()) {
            Optional<PermissionCatalogue> entry = entry(text);
            if (entry.isEmpty()) {
                problems.add("permissions: every entry must be a permission of the catalogue (no wildcards): " + catalogue());
            } else if (entry.get().scope() != PermissionCatalogue.Scope.ORG) {
                problems.add("permissions: " + entry.get().permission() + " is platform-wide and cannot be part of a role");
            } else {
                out.add(entry.get().permission());
            }
        }
        return out;
    }

    /** The catalogue entry {@code text} names exactly; empty for anything else (a wildcard, a malformed text). */
    private static Optional<PermissionCatalogue> entry(String text) {
        if (text == null || text.equals("*") || text.indexOf(':') < 0) {
            return Optional.empty();
        }
        for (PermissionCatalogue e : PermissionCatalogue.values()) {
            if (e.permission().toString().equals(text)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    private static String catalogue() {
        StringBuilder sb = new StringBuilder();
        for (PermissionCatalogue e : PermissionCatalogue.values()) {
            if (e.scope() == PermissionCatalogue.Scope.ORG) {
                sb.append(sb.isEmpty() ? "" : ", ").append(e.permission());
            }
        }
        return sb.toString();
    }

    private static Optional<String> notHeld(Caller by, Collection<Permission> permissions) {
        return permissions.stream().filter(p -> !by.permissions().allows(p)).map(Permission::toString).findFirst();
    }

    private static List<String> wire(List<Permission> permissions) {
        return permissions.stream().map(Permission::toString).toList();
    }

    private static final String COLUMNS = "id, org_id, name, description, permissions, created_at, updated_at";
    private static final String BY_NAME = "SELECT " + COLUMNS + " FROM custom_roles WHERE org_id = ? AND name = ?";
    private static final String BY_NAME_FOR_SHARE = BY_NAME + " FOR SHARE";
    private static final String BY_ID = "SELECT " + COLUMNS + " FROM custom_roles WHERE org_id = ? AND id = ?";
    private static final String BY_ID_FOR_UPDATE = BY_ID + " FOR UPDATE";

    /** How a read locks the role's row until the transaction ends (by name: shared; by id: for update). */
    private enum Lock { NONE, SHARE, UPDATE }

    private static Optional<CustomRole> findByName(Connection c, UUID orgId, String name, Lock lock) throws SQLException {
        try (PreparedStatement ps = lock == Lock.SHARE ? c.prepareStatement(BY_NAME_FOR_SHARE) : c.prepareStatement(BY_NAME)) {
            ps.setObject(1, orgId);
            ps.setString(2, name);
            return one(ps);
        }
    }

    private static Optional<CustomRole> findById(Connection c, UUID orgId, UUID id, Lock lock) throws SQLException {
        try (PreparedStatement ps = lock == Lock.UPDATE ? c.prepareStatement(BY_ID_FOR_UPDATE) : c.prepareStatement(BY_ID)) {
            ps.setObject(1, orgId);
            ps.setObject(2, id);
            return one(ps);
        }
    }

    private static long count(Connection c, UUID orgId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM custom_roles WHERE org_id = ?")) {
            ps.setObject(1, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static Optional<CustomRole> one(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(read(rs)) : Optional.empty();
        }
    }

    private static CustomRole read(ResultSet rs) throws SQLException {
        List<Permission> permissions = new ArrayList<>();
        for (Object o : (Object[]) rs.getArray(5).getArray()) {
            // A stored entry the catalogue no longer knows grants nothing.
            entry(String.valueOf(o)).filter(e -> e.scope() == PermissionCatalogue.Scope.ORG)
                    .ifPresent(e -> permissions.add(e.permission()));
        }
        return new CustomRole(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                permissions, rs.getTimestamp(6).toInstant(), rs.getTimestamp(7).toInstant());
    }

    private static SecurityEvent.Builder event(String action, UUID orgId, CustomRole role, Caller by) {
        return SecurityEvent.builder(SecurityEventType.CONFIGURATION_CHANGE, action)
                .org(orgId)
                .actor(by.userId(), by.actorType())
                .clientIp(by.clientIp())
                .userAgent(by.userAgent().orElse(null))
                .requestId(by.requestId())
                .resource("role:" + role.name())
                .detail("role", role.name())
                .risk(0.5);
    }
}
