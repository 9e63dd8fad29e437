package com.liftos.security.incident;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The guide's incident classification with its response-time targets. */
public enum Severity {
    CRITICAL(Duration.ofMinutes(15), 0.95), HIGH(Duration.ofHours(1), 0.8), MEDIUM(Duration.ofHours(4), 0.6),
    LOW(Duration.ofHours(24), 0.6);

    private final Duration responseTarget;
    /** Risk of the INCIDENT_* audit events; at least 0.6 (high) so the audit's alert webhooks carry every incident. */
    private final double notificationRisk;

    Severity(Duration responseTarget, double notificationRisk) {
        this.responseTarget = responseTarget;
        this.notificationRisk = notificationRisk;
    }

    public Duration responseTarget() {
        return responseTarget;
    }

    double notificationRisk() {
        return notificationRisk;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Severity> parse(String s) {
        return Arrays.stream(values()).filter(v -> v.wire().equals(s)).findFirst();
    }
}
