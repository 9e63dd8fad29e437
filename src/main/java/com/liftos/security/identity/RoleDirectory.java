package com.liftos.security.identity;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What a role id grants in an organization: a built-in {@link Role}, or one of the organization's custom roles.
 * Sign-in and refresh ask this for the permissions a token carries; an id that names no role grants nothing.
 */
public interface RoleDirectory {

    /** Built-in roles only: what the service knew before custom roles. */
    RoleDirectory BUILT_IN = (orgId, roleId) -> Role.fromId(roleId).map(Role::permissions);

    /** The permissions role {@code roleId} grants in {@code orgId}; empty when no such role exists there. */
    Optional<List<Permission>> permissions(UUID orgId, String roleId);

    /** The union of what the roles grant; unknown ids grant nothing. */
    default PermissionSet permissionsOf(UUID orgId, Collection<String> roleIds) {
        Set<Permission> all = new LinkedHashSet<>();
        for (String id : roleIds) {
            permissions(orgId, id).ifPresent(all::addAll);
        }
        return new PermissionSet(all);
    }
}
