package com.liftos.security.connection;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A connection's access token and, where the provider gives one, its refresh token. Never printed: {@link #toString}
 * names no value. Encoded for sealing as two length-prefixed UTF-8 strings (format byte 1).
 */
final class Tokens {
    private static final byte FORMAT = 1;
    private final String access;
    private final Optional<String> refresh;

    Tokens(String access, Optional<String> refresh) {
        this.access = access;
        this.refresh = refresh;
    }

    String access() {
        return access;
    }

    Optional<String> refresh() {
        return refresh;
    }

    /** These tokens, keeping {@code previous}'s refresh token when the provider sent none (it did not rotate it). */
    Tokens keepingRefreshOf(Tokens previous) {
        return refresh.isPresent() ? this : new Tokens(access, previous.refresh);
    }

    byte[] encode() {
        byte[] a = access.getBytes(StandardCharsets.UTF_8);
        byte[] r = refresh.orElse("").getBytes(StandardCharsets.UTF_8);
        return java.nio.ByteBuffer.allocate(1 + 4 + a.length + 4 + r.length).put(FORMAT).putInt(a.length).put(a).putInt(r.length).put(r).array();
    }

    static Tokens decode(byte[] bytes) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
        if (b.get() != FORMAT) {
            throw new IllegalStateException("unknown token format");
        }
        byte[] a = new byte[b.getInt()];
        b.get(a);
        byte[] r = new byte[b.getInt()];
        b.get(r);
        String refresh = new String(r, StandardCharsets.UTF_8);
        return new Tokens(new String(a, StandardCharsets.UTF_8), refresh.isEmpty() ? Optional.empty() : Optional.of(refresh));
    }

    @Override
    public String toString() {
        return "Tokens[redacted]";
    }
}
