package com.liftos.security.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * AES-256-GCM with a versioned header, the JDK's {@code AES/GCM/NoPadding} (accelerated by ACCP when installed).
 *
 * <p>Wire format (big-endian):
 * <pre>
 *   byte     format version (0x01)
 *   int32    key id: the version/term of the key that sealed it, so opening looks the key up instead of guessing
 *   byte[12] nonce, fresh from SecureRandom for every seal
 *   byte[n]  ciphertext || 16-byte tag
 * </pre>
 * The 5-byte prefix (version, key id) is authenticated together with the caller's associated data, so neither
 * the key id nor the context can be changed without the tag failing.
 *
 * <p>Guarantees: confidentiality and integrity of the plaintext, and integrity of the associated data, as long
 * as a key seals fewer than 2^32 messages (random 96-bit nonces). Failures are a {@link DecryptionFailedException}
 * with a fixed message; no partial plaintext is ever returned.
 */
public final class Aead {
    public static final byte FORMAT_V1 = 0x01;
    public static final int PREFIX_LENGTH = 5;
    public static final int NONCE_LENGTH = 12;
    public static final int TAG_LENGTH = 16;
    public static final int HEADER_LENGTH = PREFIX_LENGTH + NONCE_LENGTH;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    // Cipher objects are costly to look up and not thread-safe; one per thread is reused across keys.
    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance(TRANSFORMATION);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding is not available", e);
        }
    });

    private final SecureRandom random;

    public Aead(SecureRandom random) {
        this.random = random;
    }

    /** Seals {@code plaintext} under {@code key}, naming it {@code keyId} in the header. */
    public byte[] seal(AesKey key, int keyId, byte[] associatedData, byte[] plaintext) {
        byte[] out = new byte[HEADER_LENGTH + plaintext.length + TAG_LENGTH];
        out[0] = FORMAT_V1;
        ByteBuffer.wrap(out, 1, 4).putInt(keyId);
        byte[] nonce = new byte[NONCE_LENGTH];
        random.nextBytes(nonce);
        System.arraycopy(nonce, 0, out, PREFIX_LENGTH, NONCE_LENGTH);
        Cipher cipher = CIPHERS.get();
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key.jce(), new GCMParameterSpec(TAG_LENGTH * 8, nonce));
            cipher.updateAAD(out, 0, PREFIX_LENGTH);
            cipher.updateAAD(associatedData);
            int n = cipher.doFinal(plaintext, 0, plaintext.length, out, HEADER_LENGTH);
            if (n != plaintext.length + TAG_LENGTH) {
                throw new IllegalStateException("unexpected AES-GCM output length");
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /**
     * The key id named by {@code ciphertext}'s header. Fails at once on a short input or unknown format version,
     * before any key is looked up.
     */
    public static int keyId(byte[] ciphertext) {
        if (ciphertext.length < HEADER_LENGTH + TAG_LENGTH) {
            throw new DecryptionFailedException("decryption failed: ciphertext too short");
        }
        if (ciphertext[0] != FORMAT_V1) {
            throw new DecryptionFailedException("decryption failed: unknown ciphertext format version");
        }
        return ByteBuffer.wrap(ciphertext, 1, 4).getInt();
    }

    /** Opens {@code ciphertext} with {@code key}; the caller looked the key up by {@link #keyId}. */
    public static byte[] open(AesKey key, byte[] associatedData, byte[] ciphertext) {
        keyId(ciphertext);
        Cipher cipher = CIPHERS.get();
        try {
            cipher.init(Cipher.DECRYPT_MODE, key.jce(), new GCMParameterSpec(TAG_LENGTH * 8, ciphertext, PREFIX_LENGTH, NONCE_LENGTH));
            cipher.updateAAD(ciphertext, 0, PREFIX_LENGTH);
            cipher.updateAAD(associatedData);
            return cipher.doFinal(ciphertext, HEADER_LENGTH, ciphertext.length - HEADER_LENGTH);
        } catch (AEADBadTagException e) {
            throw new DecryptionFailedException("decryption failed: authentication tag mismatch");
        } catch (GeneralSecurityException e) {
            throw new DecryptionFailedException("decryption failed");
        }
    }
}
