package com.liftos.security.incident;

import java.util.Locale;

/** What was detected, with the severity the guide gives it. */
public enum IncidentType {
    BRUTE_FORCE_ATTACK(Severity.HIGH),
    CREDENTIAL_STUFFING(Severity.HIGH),
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
}
