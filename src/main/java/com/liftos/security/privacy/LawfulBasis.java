package com.liftos.security.privacy;

import java.util.Locale;

/** The guide's {@code DataProcessingBasis}: the GDPR Art. 6 lawful bases. */
public enum LawfulBasis {
    CONSENT, CONTRACT, LEGAL_OBLIGATION, VITAL_INTERESTS, PUBLIC_TASK, LEGITIMATE_INTERESTS;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
