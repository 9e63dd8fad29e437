package com.liftos.security.keys;

import com.liftos.security.crypto.InsecureKeyAccess;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The bytes of one keyring key. Readable only with {@link InsecureKeyAccess}; {@link #toString()} shows no content,
 * {@link #equals} compares in constant time.
 */
public final class KeyMaterial {
    private final byte[] bytes;

    private KeyMaterial(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Copies {@code bytes}; the caller should wipe its array. */
    static KeyMaterial of(byte[] bytes) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException("empty key");
        }
        return new KeyMaterial(bytes.clone());
    }

    static KeyMaterial ofText(String text) {
        return new KeyMaterial(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A copy of the key bytes; wipe it after use. */
    public byte[] bytes(InsecureKeyAccess access) {
        if (access != InsecureKeyAccess.get()) {
            throw new IllegalArgumentException("key access token required");
        }
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyMaterial other && MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return 0x6b657973; // content-free: keys are not meant to be hashed by value
    }

    @Override
    public String toString() {
        return "KeyMaterial[redacted]";
    }

    void wipe() {
        Arrays.fill(bytes, (byte) 0);
    }
}
