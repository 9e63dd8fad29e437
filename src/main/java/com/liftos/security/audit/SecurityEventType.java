package com.liftos.security.audit;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** Every event type of the security guide's {@code SecurityEventType}, plus the ones this service adds. */
public enum SecurityEventType {
    // Authentication
    LOGIN_SUCCESS, LOGIN_FAILURE, LOGOUT, MFA_ENABLED, MFA_DISABLED, MFA_CHALLENGE_FAILED, PASSWORD_CHANGED,
    TOKEN_REFRESHED, TOKEN_REVOKED, SESSION_REVOKED, NEW_DEVICE, ACCOUNT_LOCKED, ACCOUNT_UNLOCKED,
    // Authorization
    PERMISSION_GRANTED, PERMISSION_DENIED, ROLE_ASSIGNED, ROLE_REVOKED,
    // API keys (vault credentials)
    API_KEY_CREATED, API_KEY_ACCESSED, API_KEY_ROTATED, API_KEY_REVOKED,
    // Security violations
    RATE_LIMIT_EXCEEDED, SUSPICIOUS_ACTIVITY, BRUTE_FORCE_ATTEMPT, IP_BLOCKED, IP_UNBLOCKED,
    // Data access
    SENSITIVE_DATA_ACCESS, DATA_EXPORT, BULK_DATA_ACCESS, DATA_ERASURE, DATA_PROCESSING,
    // System
    CONFIGURATION_CHANGE, SYSTEM_BACKUP, SYSTEM_RESTORE, KEY_ROTATION,
    USER_CREATED, USER_UPDATED, ORG_CREATED, INCIDENT_OPENED, INCIDENT_UPDATED,
    // Account lifecycle by mail (one-time links)
    INVITATION_SENT, INVITATION_REVOKED, PASSWORD_RESET_REQUESTED, EMAIL_CHANGE_REQUESTED, EMAIL_CHANGED;

    /**
     * The security guide's own {@code SecurityEventType} members: the types other services may write
     * ({@link AuditIngestion}); the rest are this service's own.
     */
    public static final Set<SecurityEventType> GUIDE = Collections.unmodifiableSet(EnumSet.of(
            LOGIN_SUCCESS, LOGIN_FAILURE, MFA_ENABLED, MFA_DISABLED, PASSWORD_CHANGED,
            PERMISSION_GRANTED, PERMISSION_DENIED, ROLE_ASSIGNED, ROLE_REVOKED,
            API_KEY_CREATED, API_KEY_ACCESSED, API_KEY_ROTATED, API_KEY_REVOKED,
            RATE_LIMIT_EXCEEDED, SUSPICIOUS_ACTIVITY, BRUTE_FORCE_ATTEMPT, IP_BLOCKED,
            SENSITIVE_DATA_ACCESS, DATA_EXPORT, BULK_DATA_ACCESS,
            CONFIGURATION_CHANGE, SYSTEM_BACKUP, SYSTEM_RESTORE));

    /** The type of a wire value such as {@code login_failure}. */
    public static Optional<SecurityEventType> fromWire(String value) {
        return Arrays.stream(values()).filter(t -> t.wire().equals(value)).findFirst();
    }

    /** The guide's lowercase wire value, e.g. {@code login_success}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
