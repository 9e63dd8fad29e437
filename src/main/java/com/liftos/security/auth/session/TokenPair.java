package com.liftos.security.auth.session;

import java.time.Instant;
import java.util.UUID;

/** What a login or refresh hands out. {@link #toString()} never shows a token. */
public record TokenPair(String accessToken, Instant issuedAt, Instant accessExpiresAt, String refreshToken, Instant refreshExpiresAt,
                        UUID sessionId, String jti) {
    @Override
    public String toString() {
        return "TokenPair[sessionId=" + sessionId + ", accessExpiresAt=" + accessExpiresAt + "]";
    }
}
