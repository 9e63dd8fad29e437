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

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
