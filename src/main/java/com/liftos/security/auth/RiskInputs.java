package com.liftos.security.auth;

import com.liftos.security.identity.Principal;
import java.util.List;
import java.util.Optional;

/**
 * The part of a caller's risk score that does not depend on the request at hand, as introspection answers it: a
 * verifier elsewhere adds what its own request shows (another network than {@code loginNetwork}, an untrusted
 * address) to reproduce the guide's {@code require_low_risk}. Computed by the feature that scores risk.
 *
 * @param score        in [0,1]: the signals' weights, halved after a recent MFA
 * @param signals      which fired ({@code new_device}, {@code failed_logins})
 * @param loginNetwork the session's login network ({@code /24} or {@code /64}), when known
 */
public record RiskInputs(double score, List<String> signals, Optional<String> loginNetwork) {
    public RiskInputs {
        signals = List.copyOf(signals);
    }

    /** Scores a verified caller. */
    @FunctionalInterface
    public interface Source {
        RiskInputs of(Principal caller);
    }
}
