package com.liftos.security.client;

/** The service answered an error ({@code status}, {@code code} of its error body). Never carries a secret. */
public final class ServiceException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;

    public ServiceException(int status, String code, String message) {
        super("LiftOS Security answered " + status + " " + code + (message.isEmpty() ? "" : ": " + message));
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
