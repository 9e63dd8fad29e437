package com.liftos.security.client;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Checks an access token offline and answers its {@link Principal}, or throws {@link InvalidTokenException}.
 *
 * <p>Accepted only when the header's algorithm is RS256 or ES256 and is the algorithm of the published key its
 * {@code kid} names (never {@code none}, never HMAC, never a key carried in the header); {@code typ} is
 * {@code at+jwt}; the signature verifies; {@code iss} is the issuer, {@code aud} contains {@code liftos-api},
 * {@code exp} in the future, {@code nbf}/{@code iat} not in the future (30 s skew); the claims are present with
 * their types; and the revocation feed (when given) has not announced the token, its session or its service
 * account. While the feed has been lost for longer than {@code maxFeedStaleness}, every token is refused.
 *
 * <p>Keys come from the JWKS through Nimbus's {@link JWKSourceBuilder}: cached, refetched when a token names an
 * unknown {@code kid} (rate-limited, so invented key ids cannot make it hammer the service).
 */
public final class TokenVerifier {
    public static final String AUDIENCE = "liftos-api";
    static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);
    private static final int MAX_TOKEN_CHARS = 16_384;

    private final String issuer;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final Optional<RevocationFeed> revocations;
    private final Duration maxFeedStaleness;
    private final Clock clock;
    private final boolean remember;
    /**
     * Tokens that verified, by SHA-256 of the whole token (no token kept), with their principal, for at most
     * {@link #REMEMBER} and never past their expiry: a client presents one token many times, and its signature
     * and claims cannot change, so a repeat skips the signature check and the parse (as the service itself does).
     * The revocation feed is asked on every call. When full, the memory starts over.
     */
    private final Map<Digest, Remembered> remembered = new ConcurrentHashMap<>();
    static final int MAX_REMEMBERED = 8_192;
    static final Duration REMEMBER = Duration.ofMinutes(5);

    private record Remembered(Principal principal, Instant until) {}

    private record Digest(long a, long b, long c, long d) {
        static Digest of(String token) {
            try {
                ByteBuffer h = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
                return new Digest(h.getLong(), h.getLong(), h.getLong(), h.getLong());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is required of every JDK", e);
            }
        }
    }

    public TokenVerifier(String issuer, String jwksUri, Optional<RevocationFeed> revocations, Duration maxFeedStaleness, Clock clock) {
        this(issuer, jwksSource(jwksUri), AUDIENCE, revocations, maxFeedStaleness, clock, true);
    }

    /** {@code remember}: false only to measure the full check of every call. */
    TokenVerifier(String issuer, JWKSource<SecurityContext> keys, String audience, Optional<RevocationFeed> revocations,
                  Duration maxFeedStaleness, Clock clock, boolean remember) {
        this.remember = remember;
        this.issuer = issuer;
        this.revocations = revocations;
        this.maxFeedStaleness = maxFeedStaleness;
        this.clock = clock;
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt"),
                new JOSEObjectType("application/at+jwt")));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(audience,
                new JWTClaimsSet.Builder().issuer(issuer).build(),
                Set.of("sub", "jti", "exp", "iat", "org_id", "roles", "permissions")) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        claims.setMaxClockSkew(30);
        processor.setJWTClaimsSetVerifier(claims);
    }

    static JWKSource<SecurityContext> jwksSource(String jwksUri) {
        try {
            return JWKSourceBuilder.create(URI.create(jwksUri).toURL())
                    .cache(Duration.ofMinutes(15).toMillis(), Duration.ofSeconds(10).toMillis())
                    .rateLimited(Duration.ofSeconds(10).toMillis())
                    .retrying(true)
                    .build();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("not a JWKS URL: " + jwksUri, e);
        }
    }

    public String issuer() {
        return issuer;
    }

    public Principal verify(String token) throws InvalidTokenException {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
            throw new InvalidTokenException("malformed");
        }
        Digest digest = Digest.of(token);
        Remembered seen = remember ? remembered.get(digest) : null;
        if (seen != null && clock.instant().isBefore(seen.until())) {
            return checkRevocation(seen.principal());
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            throw new InvalidTokenException("malformed");
        }
        JWSHeader h = jwt.getHeader();
        if (!ALGORITHMS.contains(h.getAlgorithm())) {
            throw new InvalidTokenException("algorithm_not_allowed");
        }
        if (h.getKeyID() == null || h.getJWK() != null || h.getJWKURL() != null || h.getX509CertURL() != null
                || h.getX509CertChain() != null) {
            throw new InvalidTokenException("key_not_named");
        }
        JWTClaimsSet c;
        try {
            c = processor.process(jwt, null);
        } catch (BadJWTException e) {
            throw new InvalidTokenException(String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("expired")
                    ? "expired" : "invalid_claims");
        } catch (BadJOSEException e) {
            throw new InvalidTokenException(e.getMessage().contains("matching key") ? "unknown_key" : "bad_signature");
        } catch (RateLimitReachedException e) {
            // an unknown kid, and the JWKS was fetched moments ago: not refetched again now
            throw new InvalidTokenException("unknown_key");
        } catch (JOSEException e) {
            throw new InvalidTokenException("jwks_unavailable");
        }
        Principal p = principal(c);
        if (remember) {
            if (remembered.size() >= MAX_REMEMBERED) {
                remembered.clear();
            }
            Instant until = clock.instant().plus(REMEMBER);
            remembered.put(digest, new Remembered(p, p.expiresAt().isBefore(until) ? p.expiresAt() : until));
        }
        return checkRevocation(p);
    }

    private Principal checkRevocation(Principal p) throws InvalidTokenException {
        if (revocations.isPresent()) {
            RevocationFeed feed = revocations.get();
            if (feed.staleFor().compareTo(maxFeedStaleness) > 0) {
                throw new InvalidTokenException("revocation_feed_unavailable");
            }
            if (feed.isRevoked(p.jti(), p.sessionId(), p.subject())) {
                throw new InvalidTokenException("revoked");
            }
        }
        return p;
    }

    private static Principal principal(JWTClaimsSet c) throws InvalidTokenException {
        try {
            List<String> roles = c.getStringListClaim("roles");
            List<String> permissions = c.getStringListClaim("permissions");
            List<String> amr = Optional.ofNullable(c.getStringListClaim("amr")).orElse(List.of());
            String orgId = c.getStringClaim("org_id");
            Long authTime = c.getLongClaim("auth_time");
            if (roles == null || permissions == null || orgId == null || orgId.isEmpty()) {
                throw new InvalidTokenException("invalid_claims");
            }
            return new Principal(c.getSubject(), orgId, new HashSet<>(roles), new HashSet<>(permissions),
                    Optional.ofNullable(c.getStringClaim("sid")), Optional.ofNullable(c.getStringClaim("client_id")),
                    Optional.ofNullable(c.getStringClaim("email")), c.getJWTID(), c.getExpirationTime().toInstant(),
                    Optional.ofNullable(authTime).map(java.time.Instant::ofEpochSecond), amr, OptionalDouble.empty());
        } catch (ParseException e) {
            throw new InvalidTokenException("invalid_claims");
        }
    }
}
