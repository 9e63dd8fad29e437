package com.liftos.security.crypto;

/** A key file is missing, unreadable, too widely readable, or malformed. The message names the file only. */
public final class KeyFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KeyFileException(String message) {
        super(message);
    }
}
