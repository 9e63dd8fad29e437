package com.liftos.security.identity;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** An immutable set of granted permissions; {@link #allows} applies wildcard implication. */
public record PermissionSet(Set<Permission> granted) {
    public static final PermissionSet NONE = new PermissionSet(Set.of());

    public PermissionSet {
        granted = Set.copyOf(granted);
    }

    /** The union of the roles' permissions and any extra grants. */
    public static PermissionSet of(Collection<Role> roles, Collection<Permission> extra) {
        Set<Permission> all = new LinkedHashSet<>();
        roles.forEach(r -> all.addAll(r.permissions()));
        all.addAll(extra);
        return new PermissionSet(all);
    }

    public static PermissionSet parse(Collection<String> permissions) {
        return new PermissionSet(permissions.stream().map(Permission::parse).collect(Collectors.toSet()));
    }

    public boolean allows(Permission required) {
        for (Permission p : granted) {
            if (p.implies(required)) {
                return true;
            }
        }
        return false;
    }

    public boolean allowsAll(Collection<Permission> required) {
        return required.stream().allMatch(this::allows);
    }

    /** Sorted wire form, for token claims. */
    public List<String> toStrings() {
        return granted.stream().map(Permission::toString).sorted().toList();
    }
}
