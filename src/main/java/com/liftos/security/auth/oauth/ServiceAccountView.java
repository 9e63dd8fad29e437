package com.liftos.security.auth.oauth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A service account as its administrators see it: the account, the client secrets that work now (their versions
 * and expiry, never a secret or its hash) and when it last obtained a token (sampled: exact to about a minute).
 */
public record ServiceAccountView(ServiceAccount account, List<SecretVersion> secrets, Optional<Instant> lastUsedAt) {
    public ServiceAccountView {
        secrets = List.copyOf(secrets);
    }

    /** One working client secret: the current one has no expiry; the previous one works until {@code expiresAt}. */
    public record SecretVersion(int version, Instant createdAt, Optional<Instant> expiresAt) {
        public boolean current() {
            return expiresAt.isEmpty();
        }
    }
}
