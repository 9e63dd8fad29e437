package com.liftos.security.privacy;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The guide's registry of processing purposes and the lawful basis each one rests on. */
public final class ProcessingPurposes {
    public static final Map<String, LawfulBasis> REGISTRY = Map.copyOf(new TreeMap<>(Map.of(
            "marketing_analytics", LawfulBasis.CONSENT,
            "platform_integration", LawfulBasis.CONTRACT,
            "security_monitoring", LawfulBasis.LEGITIMATE_INTERESTS,
            "audit_logging", LawfulBasis.LEGAL_OBLIGATION)));

    private ProcessingPurposes() {
    }

    public static Optional<LawfulBasis> basis(String purpose) {
        return Optional.ofNullable(purpose).map(REGISTRY::get);
    }
}
