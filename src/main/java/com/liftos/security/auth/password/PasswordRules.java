package com.liftos.security.auth.password;

import com.liftos.security.org.SecurityConfig;
import java.util.ArrayList;
import java.util.List;

/** Checks a candidate password against an organization's policy; one clear message per failed rule. */
public final class PasswordRules {
    /** The guide's symbol class. */
    private static final String SYMBOLS = "!@#$%^&*(),.?\":{}|<>-_=+[]\\/;'`~";

    private PasswordRules() {}

    public static List<String> violations(char[] password, SecurityConfig.PasswordPolicy policy) {
        List<String> out = new ArrayList<>();
        if (password.length < policy.minLength()) {
            out.add("Password must be at least " + policy.minLength() + " characters");
        }
        if (password.length > 1024) {
            out.add("Password must be at most 1024 characters");
        }
        boolean upper = false;
        boolean lower = false;
        boolean digit = false;
        boolean symbol = false;
        for (char ch : password) {
            upper |= Character.isUpperCase(ch);
            lower |= Character.isLowerCase(ch);
            digit |= Character.isDigit(ch);
            symbol |= SYMBOLS.indexOf(ch) >= 0;
        }
        if (policy.requireUppercase() && !upper) {
            out.add("Password must contain an uppercase letter");
        }
        if (policy.requireLowercase() && !lower) {
            out.add("Password must contain a lowercase letter");
        }
        if (policy.requireNumbers() && !digit) {
            out.add("Password must contain a digit");
        }
        if (policy.requireSymbols() && !symbol) {
            out.add("Password must contain a special character");
        }
        return out;
    }

    /** A random password that satisfies the default policy (for the bootstrap admin). */
    public static char[] generate(java.security.SecureRandom random, int length) {
        String upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
        String lower = "abcdefghijkmnopqrstuvwxyz";
        String digits = "23456789";
        String symbols = "!@#$%^&*-_=+";
        String all = upper + lower + digits + symbols;
        char[] out = new char[Math.max(length, 16)];
        out[0] = upper.charAt(random.nextInt(upper.length()));
        out[1] = lower.charAt(random.nextInt(lower.length()));
        out[2] = digits.charAt(random.nextInt(digits.length()));
        out[3] = symbols.charAt(random.nextInt(symbols.length()));
        for (int i = 4; i < out.length; i++) {
            out[i] = all.charAt(random.nextInt(all.length()));
        }
        for (int i = out.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            char t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
        return out;
    }
}
