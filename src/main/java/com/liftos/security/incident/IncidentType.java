package com.liftos.security.incident;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * What was detected or declared, with the severity the guide gives it. The detector opens the first kinds; the
 * guide's critical kinds, which no counter reveals, are {@link #declarable} by an admin instead.
 */
public enum IncidentType {
    BRUTE_FORCE_ATTACK(Severity.HIGH),
    /** One account's password guessed from many addresses (each below any per-address threshold). */
    DISTRIBUTED_BRUTE_FORCE(Severity.HIGH),
    CREDENTIAL_STUFFING(Severity.HIGH),
    /** One address guessing passwords over days, slower than the per-window thresholds. */
    LOW_AND_SLOW_ATTACK(Severity.HIGH),
    API_ABUSE(Severity.MEDIUM),
    API_ERROR_SPIKE(Severity.MEDIUM),
    SUSPICIOUS_ACTIVITY(Severity.MEDIUM),
    TOKEN_THEFT(Severity.HIGH),
    /** Many connections of one provider failed at once (refused grants, failed refreshes): an outage or a mass revocation. */
    CONNECTION_PROVIDER_FAILURES(Severity.MEDIUM),
    /** Data left the organization's control; declared by hand. */
    DATA_BREACH(Severity.CRITICAL, true),
    /** A system or account under an attacker's control; declared by hand. */
    SYSTEM_COMPROMISE(Severity.CRITICAL, true);

    private final Severity severity;
    private final boolean declarable;

    IncidentType(Severity severity) {
        this(severity, false);
    }

    IncidentType(Severity severity, boolean declarable) {
        this.severity = severity;
        this.declarable = declarable;
    }

    /** Whether an admin may declare an incident of this type (the detector opens the others). */
    public boolean declarable() {
        return declarable;
    }

    public Severity severity() {
        return severity;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<IncidentType> parse(String s) {
        return Arrays.stream(values()).filter(v -> v.wire().equals(s)).findFirst();
    }
}
