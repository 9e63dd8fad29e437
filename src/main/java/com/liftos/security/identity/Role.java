package com.liftos.security.identity;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The security guide's role matrix, with one deliberate addition: {@code admin} also holds the organization-scoped
 * {@code export:data}, {@code view:audit_logs}, {@code manage:security} and {@code use:connections} (so it can hand the
 * last to its sync workers' service accounts), so an organization's admin reads its own
 * audit trail, incidents and compliance report and runs its security configuration ({@link PermissionCatalogue}:
 * tenant isolation keeps these inside the organization). Platform-wide powers ({@code manage:system}) stay with
 * {@code super_admin}.
 */
public enum Role {
    VIEWER("read:*"),
    ANALYST("read:*", "export:data"),
    MANAGER("read:*", "write:connections", "export:data"),
    ADMIN("read:*", "write:*", "delete:*", "manage:users", "export:data", "view:audit_logs", "manage:security", "use:connections"),
    SUPER_ADMIN("*");

    private final List<Permission> permissions;

    Role(String... permissions) {
        this.permissions = Arrays.stream(permissions).map(Permission::parse).toList();
    }

    public List<Permission> permissions() {
        return permissions;
    }

    /** The wire name: viewer, analyst, manager, admin, super_admin. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Role> fromId(String id) {
        return Arrays.stream(values()).filter(r -> r.id().equals(id)).findFirst();
    }
}
