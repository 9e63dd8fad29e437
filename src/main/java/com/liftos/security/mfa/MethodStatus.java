package com.liftos.security.mfa;

import java.util.Locale;

/** An enrolled method's state: {@code pending} until its first code confirms it, then {@code active}. */
enum MethodStatus {
    PENDING, ACTIVE;

    /** As stored and shown. */
    String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    static MethodStatus parse(String stored) {
        return valueOf(stored.toUpperCase(Locale.ROOT));
    }
}
