package com.liftos.security.vault;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A credential's decrypted fields. {@link #toString()} names the fields only; values are reachable only through
 * {@link #revealValues()}, a name meant to be grepped.
 */
public final class SecretFields {
    private static final byte ENCODING_V1 = 0x01;

    private final Map<String, String> values;

    private SecretFields(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    public static SecretFields of(Map<String, String> values) {
        return new SecretFields(new TreeMap<>(values));
    }

    public Set<String> names() {
        return values.keySet();
    }

    /** The plaintext values. Never log, audit or echo them. */
    public Map<String, String> revealValues() {
        return values;
    }

    /**
     * Compact binary plaintext: version byte, field count, then length-prefixed UTF-8 name and value pairs
     * in name order. Cheaper than JSON on the seal/open hot path.
     */
    byte[] encode() {
        byte[][] parts = new byte[values.size() * 2][];
        int size = 1 + 4;
        int i = 0;
        for (Map.Entry<String, String> e : values.entrySet()) {
            parts[i] = e.getKey().getBytes(StandardCharsets.UTF_8);
            parts[i + 1] = e.getValue().getBytes(StandardCharsets.UTF_8);
            size += 8 + parts[i].length + parts[i + 1].length;
            i += 2;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(ENCODING_V1).putInt(values.size());
        for (byte[] p : parts) {
            b.putInt(p.length).put(p);
        }
        return b.array();
    }

    static SecretFields decode(byte[] plaintext) {
        ByteBuffer b = ByteBuffer.wrap(plaintext);
        try {
            if (b.get() != ENCODING_V1) {
                throw new IllegalStateException("unknown credential encoding");
            }
            int n = b.getInt();
            Map<String, String> m = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                m.put(readString(b), readString(b));
            }
            return new SecretFields(m);
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new IllegalStateException("malformed credential encoding");
        }
    }

    private static String readString(ByteBuffer b) {
        int len = b.getInt();
        if (len < 0 || len > b.remaining()) {
            throw new IllegalArgumentException("bad length");
        }
        String s = new String(plainSlice(b, len), StandardCharsets.UTF_8);
        return s;
    }

    private static byte[] plainSlice(ByteBuffer b, int len) {
        byte[] out = new byte[len];
        b.get(out);
        return out;
    }

    @Override
    public String toString() {
        return "SecretFields" + values.keySet() + "(values redacted)";
    }
}
