package com.liftos.security.auth.token;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Reads the keyring's first sealed format, kept only so rows written before V13 can be re-sealed: version byte
 * {@code 1}, 12-byte nonce, AES-256-GCM ciphertext and tag, the key id as associated data, no sealing-key id.
 * Nothing seals in this format any more; {@link JwtKeys} opens such a row once and writes it back as {@code Aead}.
 */
final class LegacyJwtKeySeal {
    private static final byte VERSION = 1;
    private static final int NONCE_LENGTH = 12;
    private static final int TAG_LENGTH = 16;

    private final SecretKeySpec key;

    LegacyJwtKeySeal(byte[] sealingKey) {
        this.key = new SecretKeySpec(sealingKey, "AES");
    }

    /** The PKCS#8 private key sealed for {@code kid}; fails for any other format, key or key id. */
    byte[] open(byte[] sealed, String kid) {
        if (sealed.length < 1 + NONCE_LENGTH + TAG_LENGTH || sealed[0] != VERSION) {
            throw new IllegalStateException("a stored JWT private key has an unknown format");
        }
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_LENGTH * 8, sealed, 1, NONCE_LENGTH));
            gcm.updateAAD(kid.getBytes(StandardCharsets.US_ASCII));
            return gcm.doFinal(sealed, 1 + NONCE_LENGTH, sealed.length - 1 - NONCE_LENGTH);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a stored JWT private key does not open with this service key", e);
        }
    }
}
