package com.liftos.security.identity;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Every permission a route of the service demands, with its reach. An {@link Scope#ORG org} permission only ever
 * guards routes under {@code /v1/orgs/{orgId}}, where tenant isolation confines its holder to their own
 * organization, so an organization's admin may hold it and hand it out in a custom role. A {@link Scope#PLATFORM
 * platform} permission acts across organizations (creating, listing and erasing them) and stays with {@code *}
 * (super admins). A test checks that every permission of the route table is catalogued, and that no route outside
 * an organization demands an org permission.
 */
public enum PermissionCatalogue {
    READ_CONNECTIONS("read:connections", Scope.ORG),
    WRITE_CONNECTIONS("write:connections", Scope.ORG),
    DELETE_CONNECTIONS("delete:connections", Scope.ORG),
    /** Fresh access tokens of the organization's connections, for its sync workers (service accounts). */
    USE_CONNECTIONS("use:connections", Scope.ORG),
    REVEAL_CREDENTIALS("reveal:credentials", Scope.ORG),
    READ_DATA("read:data", Scope.ORG),
    EXPORT_DATA("export:data", Scope.ORG),
    WRITE_DATA_PROCESSING("write:data_processing", Scope.ORG),
    MANAGE_USERS("manage:users", Scope.ORG),
    VIEW_AUDIT_LOGS("view:audit_logs", Scope.ORG),
    /** The organization's security configuration: require_mfa, IP ranges, password policy, rate limits... */
    MANAGE_SECURITY("manage:security", Scope.ORG),
    /** Declaring incidents by hand. */
    WRITE_INCIDENTS("write:incidents", Scope.ORG),
    /** Services writing security events into their organization's audit chain. */
    WRITE_AUDIT_EVENTS("write:audit_events", Scope.ORG),
    MANAGE_SYSTEM("manage:system", Scope.PLATFORM),
    /**
     * The revocation feed of every organization: for the platform's own services that verify tokens locally. Not
     * an org permission (the feed is not confined to one organization), so only a super admin grants it.
     */
    SUBSCRIBE_REVOCATIONS("subscribe:revocations", Scope.PLATFORM);

    public enum Scope {
        ORG, PLATFORM;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Permission permission;
    private final Scope scope;

    PermissionCatalogue(String permission, Scope scope) {
        this.permission = Permission.parse(permission);
        this.scope = scope;
    }

    public Permission permission() {
        return permission;
    }

    public Scope scope() {
        return scope;
    }

    /** The catalogue entry of exactly this permission (wildcards are not entries). */
    public static Optional<PermissionCatalogue> of(Permission p) {
        return Arrays.stream(values()).filter(e -> e.permission.equals(p)).findFirst();
    }
}
