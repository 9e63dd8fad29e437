package com.liftos.security.rbac;

import com.liftos.security.identity.Role;
import com.liftos.security.identity.PermissionSet;
import com.liftos.security.identity.Permission;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PermissionTest {
    private static PermissionSet of(Role role) {
        return PermissionSet.of(List.of(role), List.of());
    }

    @Test
    void roleMatrixIsTheGuidesExactly() {
        assertThat(of(Role.VIEWER).toStrings()).containsExactly("read:*");
        assertThat(of(Role.ANALYST).toStrings()).containsExactlyInAnyOrder("read:*", "export:data");
        assertThat(of(Role.MANAGER).toStrings()).containsExactlyInAnyOrder("read:*", "write:connections", "export:data");
        assertThat(of(Role.ADMIN).toStrings()).containsExactlyInAnyOrder("read:*", "write:*", "delete:*", "manage:users",
                "export:data", "view:audit_logs", "manage:security", "use:connections");
        assertThat(of(Role.SUPER_ADMIN).toStrings()).containsExactly("*");
    }

    @Test
    void wildcardsImplyWithinTheirAction() {
        assertThat(of(Role.VIEWER).allows(Permission.parse("read:connections"))).isTrue();
        assertThat(of(Role.VIEWER).allows(Permission.parse("write:connections"))).isFalse();
        assertThat(of(Role.MANAGER).allows(Permission.parse("write:users"))).isFalse();
        assertThat(of(Role.ADMIN).allows(Permission.parse("delete:connections"))).isTrue();
        assertThat(of(Role.ADMIN).allows(Permission.parse("manage:system"))).isFalse();
        assertThat(of(Role.SUPER_ADMIN).allows(Permission.parse("manage:system"))).isTrue();
    }

    @Test
    void revealCredentialsIsNeverImpliedByReadOrWriteWildcards() {
        Permission reveal = Permission.parse("reveal:credentials");
        for (Role r : new Role[] {Role.VIEWER, Role.ANALYST, Role.MANAGER, Role.ADMIN}) {
            assertThat(of(r).allows(reveal)).as(r.id()).isFalse();
        }
        assertThat(of(Role.SUPER_ADMIN).allows(reveal)).isTrue();
        assertThat(PermissionSet.parse(List.of("reveal:credentials")).allows(reveal)).isTrue();
        assertThat(of(Role.VIEWER).allows(Permission.parse("view:audit_logs"))).isFalse();
    }

    @Test
    void malformedPermissionsAreRefused() {
        for (String bad : new String[] {"read", "read:", ":x", "a:b:c", "READ:X", "read:x y"}) {
            assertThatThrownBy(() -> Permission.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
