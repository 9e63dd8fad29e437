package com.liftos.security.vault;

import java.util.UUID;

/**
 * Seals small secrets of other features with the vault's envelope encryption: AES-256-GCM under the org's active
 * data key, the header naming the data-key version, the associated data binding org and {@code purpose}.
 * The caller stores the sealed bytes. Retired data keys still open (only crypto-shredding destroys them), so a
 * data-key rotation never strands a sealed secret; {@link #reseal} moves one to the active key.
 */
public interface Secrets {

    /** {@code purpose}: 1-64 of {@code [a-z0-9_.:-]}, e.g. {@code mfa.totp:<userId>}. */
    byte[] seal(UUID orgId, String purpose, byte[] plaintext);

    /** The plaintext; {@link com.liftos.security.crypto.DecryptionFailedException} when it does not authenticate. */
    byte[] open(UUID orgId, String purpose, byte[] sealed);

    /** Re-seals under the org's active data key. */
    default byte[] reseal(UUID orgId, String purpose, byte[] sealed) {
        byte[] plaintext = open(orgId, purpose, sealed);
        try {
            return seal(orgId, purpose, plaintext);
        } finally {
            java.util.Arrays.fill(plaintext, (byte) 0);
        }
    }
}
