package com.liftos.security.mfa;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An independent TOTP generator for tests, transcribed from RFC 6238 Appendix A (the reference implementation):
 * hex key, hex counter padded to 16 characters, dynamic truncation, DIGITS_POWER. Shares no code with {@link Totp}.
 */
final class Rfc6238Reference {
    private static final int[] DIGITS_POWER = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

    private Rfc6238Reference() {}

    private static byte[] hmacSha(String crypto, byte[] keyBytes, byte[] text) {
        try {
            Mac hmac = Mac.getInstance(crypto);
            hmac.init(new SecretKeySpec(keyBytes, "RAW"));
            return hmac.doFinal(text);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hexStr2Bytes(String hex) {
        byte[] bArray = new BigInteger("10" + hex, 16).toByteArray();
        byte[] ret = new byte[bArray.length - 1];
        System.arraycopy(bArray, 1, ret, 0, ret.length);
        return ret;
    }

    static String generateTOTP(String key, String time, int codeDigits, String crypto) {
        StringBuilder t = new StringBuilder(time);
        while (t.length() < 16) {
            t.insert(0, "0");
        }
        byte[] msg = hexStr2Bytes(t.toString());
        byte[] k = hexStr2Bytes(key);
        byte[] hash = hmacSha(crypto, k, msg);
        int offset = hash[hash.length - 1] & 0xf;
        int binary = ((hash[offset] & 0x7f) << 24) | ((hash[offset + 1] & 0xff) << 16)
                | ((hash[offset + 2] & 0xff) << 8) | (hash[offset + 3] & 0xff);
        int otp = binary % DIGITS_POWER[codeDigits];
        StringBuilder result = new StringBuilder(Integer.toString(otp));
        while (result.length() < codeDigits) {
            result.insert(0, "0");
        }
        return result.toString();
    }

    /** The 6-digit SHA-1 code for {@code secretBase32} at {@code t}, as an authenticator app would show. */
    static String code(String secretBase32, Instant t) {
        return code(secretBase32, t, 0);
    }

    /** The code {@code stepOffset} steps away from {@code t}. */
    static String code(String secretBase32, Instant t, int stepOffset) {
        long step = t.getEpochSecond() / 30 + stepOffset;
        return generateTOTP(hex(base32Decode(secretBase32)), Long.toHexString(step).toUpperCase(Locale.ROOT), 6, "HmacSHA1");
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02X", x));
        }
        return s.toString();
    }

    /** RFC 4648 base32 decoding (no padding), written separately from the service's encoder. */
    static byte[] base32Decode(String s) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long buffer = 0;
        int bits = 0;
        for (char ch : s.replace("=", "").toUpperCase(Locale.ROOT).toCharArray()) {
            int v = alphabet.indexOf(ch);
            if (v < 0) {
                throw new IllegalArgumentException("not base32");
            }
            buffer = buffer << 5 | v;
            bits += 5;
            if (bits >= 8) {
                out.write((int) (buffer >> (bits - 8)) & 0xff);
                bits -= 8;
            }
        }
        return out.toByteArray();
    }
}
