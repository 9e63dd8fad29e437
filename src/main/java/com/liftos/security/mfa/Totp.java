package com.liftos.security.mfa;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.OptionalLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * RFC 6238 TOTP over RFC 4226 HOTP with HMAC-SHA1, 30-second steps from the Unix epoch, 6 digits: the profile
 * Google Authenticator, Authy and 1Password expect. Only the HMAC comes from the JCA; the dynamic truncation
 * (RFC 4226 §5.3) is the few lines below.
 */
final class Totp {
    static final long PERIOD_SECONDS = 30;
    static final int DIGITS = 6;
    /** Steps accepted either side of the current one (clock drift, slow typing). */
    static final int WINDOW = 1;
    private static final int[] POWERS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    private Totp() {}

    static long step(Instant t) {
        return Math.floorDiv(t.getEpochSecond(), PERIOD_SECONDS);
    }

    /** The {@code digits}-digit code of {@code step} (RFC 4226 HOTP with the step as counter). */
    static String code(byte[] key, long step, int digits) {
        if (digits < 6 || digits > 8) {
            throw new IllegalArgumentException("digits must be 6 to 8");
        }
        byte[] counter = new byte[8];
        for (int i = 7; i >= 0; i--) {
            counter[i] = (byte) (step >>> (8 * (7 - i)));
        }
        byte[] h;
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key, "HmacSHA1"));
            h = mac.doFinal(counter);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 unavailable", e);
        }
        int offset = h[h.length - 1] & 0x0f;
        int binary = (h[offset] & 0x7f) << 24 | (h[offset + 1] & 0xff) << 16 | (h[offset + 2] & 0xff) << 8 | h[offset + 3] & 0xff;
        String s = Integer.toString(binary % POWERS[digits]);
        return "0".repeat(digits - s.length()) + s;
    }

    /**
     * The step within {@link #WINDOW} of {@code now} whose code is {@code code}, if any. Every candidate is computed
     * and compared in constant time, so the answer's timing does not say which step matched.
     */
    static OptionalLong matchingStep(byte[] key, String code, Instant now) {
        if (code.length() != DIGITS || !code.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            return OptionalLong.empty();
        }
        long current = step(now);
        long found = Long.MIN_VALUE;
        byte[] given = code.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (long s = current - WINDOW; s <= current + WINDOW; s++) {
            if (MessageDigest.isEqual(code(key, s, DIGITS).getBytes(java.nio.charset.StandardCharsets.US_ASCII), given)) {
                found = s;
            }
        }
        return found == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(found);
    }
}
