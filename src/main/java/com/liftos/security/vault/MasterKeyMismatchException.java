package com.liftos.security.vault;

/**
 * The master key file does not hold the key this database was sealed with (or holds a retired or not yet active
 * one). The service refuses to start; the message is one line naming the file and what to do, never key material.
 */
public final class MasterKeyMismatchException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public MasterKeyMismatchException(String message) {
        super(message);
    }
}
