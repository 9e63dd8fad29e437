package com.liftos.security.audit;

import java.util.Locale;

/** The security guide's grouping of event types; used for metrics labels and reports. */
public enum EventCategory {
    AUTHENTICATION, AUTHORIZATION, API_KEY, VIOLATION, DATA_ACCESS, SYSTEM;

    public static EventCategory of(SecurityEventType type) {
        return switch (type) {
            case LOGIN_SUCCESS, LOGIN_FAILURE, LOGOUT, MFA_ENABLED, MFA_DISABLED, MFA_CHALLENGE_FAILED, PASSWORD_CHANGED,
                 TOKEN_REFRESHED, TOKEN_REVOKED, SESSION_REVOKED, NEW_DEVICE, ACCOUNT_LOCKED, ACCOUNT_UNLOCKED,
                 PASSWORD_RESET_REQUESTED, EMAIL_CHANGE_REQUESTED, EMAIL_CHANGED -> AUTHENTICATION;
            case PERMISSION_GRANTED, PERMISSION_DENIED, ROLE_ASSIGNED, ROLE_REVOKED -> AUTHORIZATION;
            case API_KEY_CREATED, API_KEY_ACCESSED, API_KEY_ROTATED, API_KEY_REVOKED -> API_KEY;
            case RATE_LIMIT_EXCEEDED, SUSPICIOUS_ACTIVITY, BRUTE_FORCE_ATTEMPT, IP_BLOCKED, IP_UNBLOCKED -> VIOLATION;
            case SENSITIVE_DATA_ACCESS, DATA_EXPORT, BULK_DATA_ACCESS, DATA_ERASURE, DATA_PROCESSING -> DATA_ACCESS;
            // CONFIGURATION_CHANGE, SYSTEM_BACKUP, SYSTEM_RESTORE, KEY_ROTATION, USER_*, ORG_CREATED, INCIDENT_*, INVITATION_*, and
            // any type added later until it is placed above.
            default -> SYSTEM;
        };
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
