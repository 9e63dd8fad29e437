package com.liftos.security.auth;

import com.liftos.security.rbac.PermissionSet;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Issues and checks RS256 access tokens (RFC 9068 shape, header {@code typ: at+jwt}).
 *
 * <p>Verification accepts only {@code alg: RS256} with a {@code kid} of the keyring — never {@code none}, never an
 * HMAC algorithm (so the public key cannot be used as an HMAC secret), never a key carried in the header — and
 * then requires every claim: {@code iss} equal to the configured issuer, {@code aud} containing {@code liftos-api},
 * {@code exp} in the future, {@code nbf} and {@code iat} not in the future (30 s skew), {@code sub}, {@code org_id},
 * {@code jti}, {@code roles}, {@code permissions}, {@code auth_time}, {@code amr}, and for users {@code sid} and
 * {@code email}. Whether the token is revoked or its session ended is the {@link TokenState}'s question.
 */
public final class AccessTokens {
    public static final String AUDIENCE = "liftos-api";
    static final JOSEObjectType TYPE = new JOSEObjectType("at+jwt");
    private static final Duration SKEW = Duration.ofSeconds(30);
    private static final int MAX_TOKEN_CHARS = 16_384;

    private final JwtKeys keys;
    private final String issuer;
    private final Duration lifetime;
    private final Clock clock;
    private final Map<List<String>, PermissionSet> parsedPermissions = new ConcurrentHashMap<>();

    public AccessTokens(JwtKeys keys, String issuer, Duration lifetime, Clock clock) {
        this.keys = keys;
        this.issuer = issuer;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    public Duration lifetime() {
        return lifetime;
    }

    public String issuer() {
        return issuer;
    }

    /** A signed token; its {@code jti} is random. */
    public Issued issue(UUID subject, UUID orgId, Optional<String> email, List<String> roles, List<String> permissions,
                        Optional<UUID> sessionId, Optional<String> clientId, Instant authTime, List<String> amr) {
        Instant now = clock.instant();
        Instant exp = now.plus(lifetime);
        String jti = UUID.randomUUID().toString();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .audience(AUDIENCE)
                .subject(subject.toString())
                .claim("org_id", orgId.toString())
                .claim("roles", List.copyOf(roles))
                .claim("permissions", List.copyOf(permissions))
                .jwtID(jti)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(exp))
                .claim("auth_time", authTime.getEpochSecond())
                .claim("amr", List.copyOf(amr));
        email.ifPresent(e -> claims.claim("email", e));
        sessionId.ifPresent(s -> claims.claim("sid", s.toString()));
        clientId.ifPresent(c -> claims.claim("client_id", c));
        SigningKey key = keys.ring().signing();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.kid()).type(TYPE).build(), claims.build());
        try {
            jwt.sign(key.signer().orElseThrow());
        } catch (JOSEException e) {
            throw new IllegalStateException("access token signing failed", e);
        }
        return new Issued(jwt.serialize(), jti, now, exp);
    }

    /** A freshly signed token. */
    public record Issued(String token, String jti, Instant issuedAt, Instant expiresAt) {
        @Override
        public String toString() {
            return "Issued[jti=" + jti + ", expiresAt=" + expiresAt + "]";
        }
    }

    /** The verified claims, or empty for any defect; callers answer one uniform "invalid token". */
    public Optional<AccessClaims> verify(String token) {
        if (token.length() > MAX_TOKEN_CHARS) {
            return Optional.empty();
        }
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            JWSHeader header = jwt.getHeader();
            if (!JWSAlgorithm.RS256.equals(header.getAlgorithm()) || header.getKeyID() == null
                    || !TYPE.equals(header.getType()) || header.getCriticalParams() != null) {
                return Optional.empty();
            }
            Optional<SigningKey> key = keys.verificationKey(header.getKeyID());
            if (key.isEmpty() || !jwt.verify(key.get().verifier())) {
                return Optional.empty();
            }
            return claims(jwt.getJWTClaimsSet(), clock.instant());
        } catch (ParseException | JOSEException | IllegalArgumentException | ClassCastException e) {
            return Optional.empty();
        }
    }

    PermissionSet permissionSet(List<String> permissions) {
        PermissionSet cached = parsedPermissions.get(permissions);
        if (cached != null) {
            return cached;
        }
        PermissionSet parsed = PermissionSet.parse(permissions);
        if (parsedPermissions.size() < 10_000) {
            parsedPermissions.put(List.copyOf(permissions), parsed);
        }
        return parsed;
    }

    private Optional<AccessClaims> claims(JWTClaimsSet c, Instant now) throws ParseException {
        Date exp = c.getExpirationTime();
        Date nbf = c.getNotBeforeTime();
        Date iat = c.getIssueTime();
        if (!issuer.equals(c.getIssuer()) || c.getAudience() == null || !c.getAudience().contains(AUDIENCE)
                || exp == null || nbf == null || iat == null
                || !now.isBefore(exp.toInstant())
                || nbf.toInstant().isAfter(now.plus(SKEW))
                || iat.toInstant().isAfter(now.plus(SKEW))) {
            return Optional.empty();
        }
        String jti = c.getJWTID();
        String sub = c.getSubject();
        String org = c.getStringClaim("org_id");
        List<String> roles = c.getStringListClaim("roles");
        List<String> permissions = c.getStringListClaim("permissions");
        List<String> amr = c.getStringListClaim("amr");
        Long authTime = c.getLongClaim("auth_time");
        if (jti == null || jti.isEmpty() || sub == null || org == null || roles == null || permissions == null
                || amr == null || authTime == null) {
            return Optional.empty();
        }
        Optional<UUID> sid = Optional.ofNullable(c.getStringClaim("sid")).map(UUID::fromString);
        Optional<String> clientId = Optional.ofNullable(c.getStringClaim("client_id"));
        Optional<String> email = Optional.ofNullable(c.getStringClaim("email"));
        if (sid.isPresent() == clientId.isPresent() || sid.isPresent() && email.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new AccessClaims(UUID.fromString(sub), UUID.fromString(org), email, roles, permissions, sid,
                clientId, jti, iat.toInstant(), exp.toInstant(), Instant.ofEpochSecond(authTime), amr));
    }
}
