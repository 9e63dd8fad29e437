package com.liftos.security.crypto;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * A 256-bit AES key. Its bytes are readable only with {@link InsecureKeyAccess}; {@link #toString()} shows no
 * content and {@link #equals} compares in constant time.
 */
public final class AesKey {
    public static final int LENGTH = 32;

    private final SecretKeySpec spec;

    private AesKey(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("AES-256 key must be 32 bytes");
        }
        this.spec = new SecretKeySpec(bytes, "AES");
    }

    /** Copies {@code bytes}; the caller should wipe its array. */
    public static AesKey of(byte[] bytes) {
        return new AesKey(bytes.clone());
    }

    public static AesKey generate(SecureRandom random) {
        byte[] b = new byte[LENGTH];
        random.nextBytes(b);
        AesKey k = new AesKey(b);
        Arrays.fill(b, (byte) 0);
        return k;
    }

    /** A copy of the raw key bytes; wipe it after use. */
    public byte[] exportBytes(InsecureKeyAccess access) {
        if (access != InsecureKeyAccess.TOKEN) {
            throw new IllegalArgumentException("key access token required");
        }
        return spec.getEncoded();
    }

    SecretKey jce() {
        return spec;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AesKey other)) {
            return false;
        }
        byte[] a = spec.getEncoded();
        byte[] b = other.spec.getEncoded();
        try {
            return MessageDigest.isEqual(a, b);
        } finally {
            Arrays.fill(a, (byte) 0);
            Arrays.fill(b, (byte) 0);
        }
    }

    @Override
    public int hashCode() {
        return 0x5eC12e7; // content-free: keys are not meant to be hashed by value
    }

    @Override
    public String toString() {
        return "AesKey[redacted]";
    }
}
