package com.liftos.security.keys;

/**
 * The keyring cannot give this instance its keys: a key file disagrees with the database, a key is missing, or the
 * master key changed meanwhile. The message is one line naming the file or the step to take, never key material.
 */
public final class KeyringException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public KeyringException(String message) {
        super(message);
    }
}
