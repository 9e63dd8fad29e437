package com.liftos.security.identity;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The security guide's role matrix, exactly. */
public enum Role {
    VIEWER("read:*"),
    ANALYST("read:*", "export:data"),
    MANAGER("read:*", "write:connections", "export:data"),
    ADMIN("read:*", "write:*", "delete:*", "manage:users"),
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
