package com.liftos.security.audit;

import java.util.Locale;

/** Risk bands over a score in [0,1]: low &lt; 0.3 &le; medium &lt; 0.6 &le; high &lt; 0.8 &le; critical. */
public enum RiskLevel {
    LOW, MEDIUM, HIGH, CRITICAL;

    public static RiskLevel of(double score) {
        if (score >= 0.8) {
            return CRITICAL;
        }
        if (score >= 0.6) {
            return HIGH;
        }
        if (score >= 0.3) {
            return MEDIUM;
        }
        return LOW;
    }

    /** The lowest score of the band: the score an event reported only by its level is stored with. */
    public double lowestScore() {
        return switch (this) {
            case LOW -> 0.0;
            case MEDIUM -> 0.3;
            case HIGH -> 0.6;
            case CRITICAL -> 0.8;
        };
    }

    /** The level of a wire value ({@code low}, {@code medium}, {@code high}, {@code critical}). */
    public static java.util.Optional<RiskLevel> fromWire(String value) {
        return java.util.Arrays.stream(values()).filter(l -> l.wire().equals(value)).findFirst();
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
