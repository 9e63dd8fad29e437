package com.liftos.security.mfa;

/** Destinations as shown back to their owner: enough to recognise, not enough to reuse. */
final class Masks {
    private Masks() {}

    static String phone(String e164) {
        return e164.length() <= 4 ? "****" : "*".repeat(e164.length() - 4) + e164.substring(e164.length() - 4);
    }

    static String email(String email) {
        int at = email.indexOf('@');
        return at <= 1 ? "***" + email.substring(Math.max(at, 0)) : email.charAt(0) + "***" + email.substring(at);
    }

    /** The destination of {@code channel} as shown. */
    static String destination(Method channel, String to) {
        return channel == Method.SMS ? phone(to) : email(to);
    }
}
