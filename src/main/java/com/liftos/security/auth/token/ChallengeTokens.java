package com.liftos.security.auth.token;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.UUID;

/**
 * Short-lived tokens naming a user between two login steps (password → MFA, password → forced change). Signed
 * like access tokens (the keyring's signing key, in its algorithm) but with their own {@code typ} and audience, so neither can be used in place of the other.
 */
public final class ChallengeTokens {
    /** Which step the token opens. */
    public enum Purpose {
        MFA("liftos-mfa", Duration.ofMinutes(5)),
        PASSWORD_CHANGE("liftos-password-change", Duration.ofMinutes(10));

        final String audience;
        final Duration lifetime;

        Purpose(String audience, Duration lifetime) {
            this.audience = audience;
            this.lifetime = lifetime;
        }
    }

    private static final JOSEObjectType TYPE = new JOSEObjectType("challenge+jwt");

    private final JwtKeys keys;
    private final String issuer;
    private final Clock clock;

    public ChallengeTokens(JwtKeys keys, String issuer, Clock clock) {
        this.keys = keys;
        this.issuer = issuer;
        this.clock = clock;
    }

    public String issue(Purpose purpose, UUID userId) {
        Instant now = clock.instant();
        return AccessTokens.sign(keys.ring().signing(), TYPE,
                new JWTClaimsSet.Builder().issuer(issuer).audience(purpose.audience).subject(userId.toString())
                        .jwtID(UUID.randomUUID().toString()).issueTime(Date.from(now)).notBeforeTime(Date.from(now))
                        .expirationTime(Date.from(now.plus(purpose.lifetime))).build());
    }

    /** The user the token names, when it verifies for {@code purpose}. */
    public Optional<UUID> verify(Purpose purpose, String token) {
        if (token.length() > 8192) {
            return Optional.empty();
        }
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            JWSHeader h = jwt.getHeader();
            Optional<JwtAlgorithm> alg = JwtAlgorithm.ofHeader(h.getAlgorithm());
            if (alg.isEmpty() || !TYPE.equals(h.getType()) || h.getKeyID() == null) {
                return Optional.empty();
            }
            // The key the kid names, and only in its own algorithm.
            Optional<SigningKey> key = keys.verificationKey(h.getKeyID()).filter(k -> k.algorithm() == alg.get());
            if (key.isEmpty() || !key.get().verifies(jwt.getSigningInput(), jwt.getSignature().decode())) {
                return Optional.empty();
            }
            JWTClaimsSet c = jwt.getJWTClaimsSet();
            Instant now = clock.instant();
            if (!issuer.equals(c.getIssuer()) || c.getAudience() == null || !c.getAudience().equals(java.util.List.of(purpose.audience))
                    || c.getExpirationTime() == null || !now.isBefore(c.getExpirationTime().toInstant())
                    || c.getNotBeforeTime() == null || c.getNotBeforeTime().toInstant().isAfter(now.plusSeconds(30))
                    || c.getSubject() == null) {
                return Optional.empty();
            }
            return Optional.of(UUID.fromString(c.getSubject()));
        } catch (ParseException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
