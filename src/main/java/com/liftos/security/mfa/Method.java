package com.liftos.security.mfa;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A second factor and the RFC 8176 {@code amr} value a login with it adds after {@code pwd}: {@code otp} for
 * authenticator and emailed codes, {@code sms} for texted codes, {@code mfa} for a recovery code, {@code hwk}/{@code swk}
 * for a passkey.
 */
enum Method {
    TOTP("otp"), EMAIL("otp"), SMS("sms"), RECOVERY("mfa"),
    /** A WebAuthn credential; its {@code amr} is {@code hwk} or {@code swk} by the passkey ({@link Passkeys.Passkey#amr()}). */
    PASSKEY("hwk");

    final String amr;

    Method(String amr) {
        this.amr = amr;
    }

    String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Methods enrolled at {@code /v1/mfa/{method}} (recovery codes come with the first one; passkeys have their own routes). */
    boolean enrollable() {
        return this != RECOVERY && this != PASSKEY;
    }

    static Optional<Method> parse(String s) {
        return s == null ? Optional.empty()
                : Arrays.stream(values()).filter(m -> m.wire().equals(s)).findFirst();
    }
}
