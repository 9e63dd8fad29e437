package com.liftos.security.incident;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** What was detected, with the severity the guide gives it. */
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
    TOKEN_THEFT(Severity.HIGH);

    private final Severity severity;

    IncidentType(Severity severity) {
        this.severity = severity;
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
