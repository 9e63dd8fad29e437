package com.liftos.security.client;

/** The access token is not accepted; {@link #reason()} is a short word for logs (callers answer one uniform 401). */
public final class InvalidTokenException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String reason;

    public InvalidTokenException(String reason) {
        super("invalid token: " + reason, null, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
