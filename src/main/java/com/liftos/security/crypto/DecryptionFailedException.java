package com.liftos.security.crypto;

/**
 * A ciphertext did not open: wrong key, wrong associated data, tampered bytes, or an unknown format or key id.
 * The message is one of a few fixed phrases and never contains key or plaintext material.
 */
public final class DecryptionFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DecryptionFailedException(String message) {
        super(message, null, false, false);
    }
}
