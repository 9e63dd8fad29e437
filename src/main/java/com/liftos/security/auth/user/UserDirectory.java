package com.liftos.security.auth.user;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What other features may ask about user accounts, answered by the feature that owns them (the {@code users} table).
 * Implemented by {@link Users}; every method is one indexed query.
 */
public interface UserDirectory {

    /** Whether {@code userId} is a user of {@code orgId} (false for an unknown user or one of another organization). */
    boolean isMember(UUID orgId, UUID userId);

    /** The ids of the organization's active users, in no particular order. */
    List<UUID> activeUserIds(UUID orgId);

    /**
     * An organization's account figures at {@code now}: active users, active users per role, active users whose
     * password is older than {@code passwordMaxAgeDays} (none when that is 0: no maximum age), and users whose lock
     * is in force.
     */
    AccountFigures accountFigures(UUID orgId, int passwordMaxAgeDays, Instant now);

    record AccountFigures(long active, Map<String, Long> activeByRole, long expiredPasswords, long locked) {
        public AccountFigures {
            activeByRole = Map.copyOf(activeByRole);
        }
    }

    /**
     * The roles of user {@code userId} of {@code orgId}, its row locked until the caller's transaction ends (so two
     * role changes serialize); empty when there is no such user in the organization.
     */
    Optional<List<String>> lockRoles(Connection c, UUID orgId, UUID userId) throws SQLException;

    /** Replaces the roles of user {@code userId} of {@code orgId}; false when there is no such user in the organization. */
    boolean setRoles(Connection c, UUID orgId, UUID userId, List<String> roles) throws SQLException;

    /**
     * The ids of the organization's users (any status) holding role {@code roleId}, in no particular order; for
     * ending their sessions when the role loses a permission, and for refusing to delete a role still held.
     */
    List<UUID> holdersOf(Connection c, UUID orgId, String roleId) throws SQLException;
}
