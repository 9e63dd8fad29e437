package com.liftos.security.store;

/** A storage failure (I/O, unreachable server). Messages never contain credentials or stored secrets. */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
