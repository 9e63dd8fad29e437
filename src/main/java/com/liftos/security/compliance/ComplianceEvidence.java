package com.liftos.security.compliance;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Figures the compliance report takes from other features, through the smallest interfaces. A feature that is
 * not wired reports "not available" — never a made-up number.
 */
public record ComplianceEvidence(MfaAdoption mfa, CredentialRotation rotation) {

    /** Users of an organization with a second factor enrolled. */
    @FunctionalInterface
    public interface MfaAdoption {
        Optional<MfaFigures> figures(UUID orgId);
    }

    public record MfaFigures(long usersWithMfa, long activeUsers) {
        public MfaFigures {
            if (usersWithMfa < 0 || activeUsers < 0 || usersWithMfa > activeUsers) {
                throw new IllegalArgumentException("MFA figures out of range");
            }
        }
    }

    /** Vault credentials of an organization and how many are past their rotation schedule. */
    @FunctionalInterface
    public interface CredentialRotation {
        Optional<RotationFigures> figures(UUID orgId, Instant now);
    }

    public record RotationFigures(long credentials, long dueForRotation, int rotationDays) {
        public RotationFigures {
            if (credentials < 0 || dueForRotation < 0 || dueForRotation > credentials) {
                throw new IllegalArgumentException("rotation figures out of range");
            }
        }
    }

    /** Neither figure available (the features that own them are not wired). */
    public static ComplianceEvidence notAvailable() {
        return new ComplianceEvidence(org -> Optional.empty(), (org, now) -> Optional.empty());
    }
}
