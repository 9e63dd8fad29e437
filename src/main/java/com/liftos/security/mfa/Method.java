package com.liftos.security.mfa;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A second factor and the RFC 8176 {@code amr} value a login with it adds after {@code pwd}: {@code otp} for
 * authenticator and emailed codes, {@code sms} for texted codes, {@code mfa} for a recovery code.
 */
enum Method {
    TOTP("otp"), EMAIL("otp"), SMS("sms"), RECOVERY("mfa");

    final String amr;

    Method(String amr) {
        this.amr = amr;
    }

    String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Methods that are enrolled (recovery codes come with the first one). */
    boolean enrollable() {
        return this != RECOVERY;
    }

    static Optional<Method> parse(String s) {
        return s == null ? Optional.empty()
                : Arrays.stream(values()).filter(m -> m.wire().equals(s)).findFirst();
    }
}
