package com.liftos.security.auth;

import java.time.Instant;
import java.util.UUID;

/** What a login or refresh hands out. {@link #toString()} never shows a token. */
public record TokenPair(String accessToken, Instant accessExpiresAt, String refreshToken, Instant refreshExpiresAt,
                        UUID sessionId, String jti) {
    @Override
    public String toString() {
        return "TokenPair[sessionId=" + sessionId + ", accessExpiresAt=" + accessExpiresAt + "]";
    }
}
