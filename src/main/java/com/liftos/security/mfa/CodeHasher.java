package com.liftos.security.mfa;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed hashes (HMAC-SHA256) of one-time and recovery codes, bound to user and kind. A 6-digit code has only
 * 10^6 values, so a plain hash would be reversed by anyone reading the table; the key, derived from the service
 * key file, makes the stored hashes useless without it. Recovery codes (50 random bits) would be safe either way.
 */
final class CodeHasher {
    private final SecretKeySpec key;

    CodeHasher(byte[] key) {
        this.key = new SecretKeySpec(key, "HmacSHA256");
    }

    byte[] hash(String kind, UUID userId, String code) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal((kind + "\n" + userId + "\n" + code).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
