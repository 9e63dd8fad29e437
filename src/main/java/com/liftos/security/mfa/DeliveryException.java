package com.liftos.security.mfa;

/** A mail or SMS was not accepted by its server. The message names the channel and the failure class only. */
public final class DeliveryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DeliveryException(String message, Throwable cause) {
        super(message, cause);
    }
}
