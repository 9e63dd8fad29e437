package com.liftos.security.auth.token;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.liftos.security.identity.PermissionSet;
import com.liftos.security.identity.Role;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Issues and checks access tokens (RFC 9068 shape, header {@code typ: at+jwt}) signed with the keyring's signing key:
 * RS256, ES256 or EdDSA ({@link JwtAlgorithm}, per deployment).
 *
 * <p>Verification accepts only a {@code kid} of the keyring with exactly that key's algorithm as {@code alg} (an
 * RS256 header on an EC key is refused) — never {@code none}, never an HMAC algorithm (so the public key cannot be
 * used as an HMAC secret), never a key carried in the header — and
 * then requires every claim: {@code iss} equal to the configured issuer, {@code aud} containing {@code liftos-api},
 * {@code exp} in the future, {@code nbf} and {@code iat} not in the future (30 s skew), {@code sub}, {@code org_id},
 * {@code jti}, {@code roles}, {@code permissions}, {@code auth_time}, {@code amr}, and for users {@code sid} and
 * {@code email}. Whether the token is revoked or its session ended is the {@link TokenState}'s question.
 */
public final class AccessTokens {
    public static final String AUDIENCE = "liftos-api";
    /**
     * The {@code client_id} of user tokens (RFC 9068 §2.2 asks every access token for one): this service's own
     * sign-in. Service accounts' client ids start with {@code sa_}, so the two never meet.
     */
    public static final String FIRST_PARTY_CLIENT = "liftos";
    static final JOSEObjectType TYPE = new JOSEObjectType("at+jwt");
    private static final Duration SKEW = Duration.ofSeconds(30);
    private static final int MAX_TOKEN_CHARS = 16_384;
    private static final int MAX_CACHED_HEADERS = 64;
    /** Verified tokens remembered at most (about 6 MB); when full, the memory starts over. */
    public static final int MAX_REMEMBERED_TOKENS = 8_192;
    private static final Base64.Decoder URL_DECODER = Base64.getUrlDecoder();
    private static final Base64.Encoder URL_ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final ObjectReader CLAIMS_READER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .readerFor(RawClaims.class);

    private final JwtKeys keys;
    private final String issuer;
    private final Duration lifetime;
    private final Clock clock;
    private final Map<List<String>, PermissionSet> parsedPermissions = new ConcurrentHashMap<>();
    /** Header segments whose signature verified once, with the key id and algorithm they name (a handful: one per key). */
    private final Map<String, VerifiedHeader> verifiedHeaders = new ConcurrentHashMap<>();
    /**
     * Tokens that verified, by SHA-256 of the whole token, with their claims: a client presents one access token
     * for up to an hour, and its signature and claims cannot change, so a repeat skips the RSA check and the
     * parse. Keyed by digest, not by the token, so no token is kept and a lookup leaks no timing about one.
     */
    private final Map<TokenDigest, Remembered> remembered = new ConcurrentHashMap<>();

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
        clientId.or(() -> sessionId.map(s -> FIRST_PARTY_CLIENT)).ifPresent(c -> claims.claim("client_id", c));
        return new Issued(sign(keys.ring().signing(), TYPE, claims.build()), jti, now, exp);
    }

    /** The compact JWS of {@code claims} signed with {@code key}, in the key's own algorithm. */
    static String sign(SigningKey key, JOSEObjectType type, JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(key.algorithm().jws).keyID(key.kid()).type(type).build(), claims);
        byte[] signingInput = jwt.getSigningInput();
        return new String(signingInput, StandardCharsets.US_ASCII) + "." + Base64URL.encode(key.sign(signingInput));
    }

    /** A freshly signed token. */
    public record Issued(String token, String jti, Instant issuedAt, Instant expiresAt) {
        @Override
        public String toString() {
            return "Issued[jti=" + jti + ", expiresAt=" + expiresAt + "]";
        }
    }

    /**
     * The verified claims, or empty for any defect; callers answer one uniform "invalid token".
     *
     * <p>This is the hot path of every authenticated request, so it avoids re-parsing what cannot change: a header
     * segment is parsed by Nimbus once and remembered only after a signature under it verified; the signature and
     * the claims are decoded with the JDK's intrinsic Base64 and parsed with Jackson (Nimbus's constant-time Base64
     * codec and Gson took two thirds of the verification time), and the signature is checked with the preferred
     * JCA provider's RSA. Issuance and the JWKS stay with Nimbus. A token that verified is remembered by digest,
     * and its next presentations only check expiry and its key.
     */
    public Optional<AccessClaims> verify(String token) {
        if (token.length() > MAX_TOKEN_CHARS) {
            return Optional.empty();
        }
        TokenDigest digest = TokenDigest.of(token);
        Remembered seen = remembered.get(digest);
        if (seen != null) {
            // Checked on every use: expiry, and that the signing key is still in the ring (a retired key's
            // tokens stop at once). Anything else failing goes through the full verification below.
            if (clock.instant().isBefore(seen.claims().expiresAt()) && keys.verificationKey(seen.kid()).isPresent()) {
                return Optional.of(seen.claims());
            }
            remembered.remove(digest);
        }
        int dot1 = token.indexOf('.');
        int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
        if (dot1 <= 0 || dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
            return Optional.empty();
        }
        try {
            String headerSegment = token.substring(0, dot1);
            Optional<SigningKey> key = keyFor(headerSegment);
            if (key.isEmpty()) {
                return Optional.empty();
            }
            byte[] signingInput = token.substring(0, dot2).getBytes(StandardCharsets.US_ASCII);
            byte[] signature = canonicalBase64Url(token.substring(dot2 + 1));
            if (!key.get().verifies(signingInput, signature)) {
                return Optional.empty();
            }
            if (verifiedHeaders.size() < MAX_CACHED_HEADERS) {
                verifiedHeaders.putIfAbsent(headerSegment, new VerifiedHeader(key.get().kid(), key.get().algorithm()));
            }
            RawClaims raw = CLAIMS_READER.readValue(canonicalBase64Url(token.substring(dot1 + 1, dot2)));
            Optional<AccessClaims> claims = claims(raw, clock.instant());
            claims.ifPresent(c -> remember(digest, new Remembered(c, key.get().kid())));
            return claims;
        } catch (ParseException | IOException | IllegalArgumentException | DateTimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Decodes a segment only in its one canonical spelling: the JDK's decoder ignores the unused low bits of the last
     * character (and accepts padding), so otherwise several strings would carry the same signature or payload.
     */
    private static byte[] canonicalBase64Url(String segment) {
        byte[] bytes = URL_DECODER.decode(segment);
        if (!URL_ENCODER.encodeToString(bytes).equals(segment)) {
            throw new IllegalArgumentException("not canonical base64url");
        }
        return bytes;
    }

    private void remember(TokenDigest digest, Remembered verified) {
        if (remembered.size() >= MAX_REMEMBERED_TOKENS) {
            remembered.clear();
        }
        remembered.put(digest, verified);
    }

    private record Remembered(AccessClaims claims, String kid) {}

    /** SHA-256 of a token. */
    private record TokenDigest(long a, long b, long c, long d) {
        static TokenDigest of(String token) {
            try {
                ByteBuffer h = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
                return new TokenDigest(h.getLong(), h.getLong(), h.getLong(), h.getLong());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is required of every JDK", e);
            }
        }
    }

    private record VerifiedHeader(String kid, JwtAlgorithm algorithm) {}

    /**
     * The keyring key a header segment names, if the header is one this service accepts: its {@code alg} one of ours
     * and exactly the algorithm of the key its {@code kid} names.
     */
    private Optional<SigningKey> keyFor(String headerSegment) throws ParseException {
        VerifiedHeader named = verifiedHeaders.get(headerSegment);
        if (named == null) {
            JWSHeader header = JWSHeader.parse(new Base64URL(headerSegment));
            Optional<JwtAlgorithm> alg = JwtAlgorithm.ofHeader(header.getAlgorithm());
            if (alg.isEmpty() || header.getKeyID() == null
                    || !TYPE.equals(header.getType()) || header.getCriticalParams() != null
                    || header.getJWK() != null || header.getJWKURL() != null || header.getX509CertChain() != null
                    || header.getX509CertURL() != null) {
                return Optional.empty();
            }
            named = new VerifiedHeader(header.getKeyID(), alg.get());
        }
        JwtAlgorithm alg = named.algorithm();
        // Looked up on every call, so a key retired from the ring stops verifying even for a remembered header.
        return keys.verificationKey(named.kid()).filter(k -> k.algorithm() == alg);
    }

    /** The wire permissions of a set of role ids (unknown ids grant nothing). */
    public static List<String> permissionsOf(List<String> roleIds) {
        List<Role> roles = roleIds.stream().map(Role::fromId).flatMap(Optional::stream).toList();
        return PermissionSet.of(roles, List.of()).toStrings();
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

    private Optional<AccessClaims> claims(RawClaims c, Instant now) {
        if (!issuer.equals(c.iss()) || c.aud() == null || !c.aud().contains(AUDIENCE)
                || c.exp() == null || c.nbf() == null || c.iat() == null
                || !now.isBefore(Instant.ofEpochSecond(c.exp()))
                || Instant.ofEpochSecond(c.nbf()).isAfter(now.plus(SKEW))
                || Instant.ofEpochSecond(c.iat()).isAfter(now.plus(SKEW))) {
            return Optional.empty();
        }
        if (c.jti() == null || c.jti().isEmpty() || c.sub() == null || c.orgId() == null || c.roles() == null
                || c.permissions() == null || c.amr() == null || c.authTime() == null) {
            return Optional.empty();
        }
        Optional<UUID> sid = Optional.ofNullable(c.sid()).map(UUID::fromString);
        Optional<String> clientId = Optional.ofNullable(c.clientId());
        Optional<String> email = Optional.ofNullable(c.email());
        boolean firstParty = clientId.filter(FIRST_PARTY_CLIENT::equals).isPresent();
        if (sid.isPresent()) {
            // A user token: the first-party client id, or none (tokens signed before it was added, for one lifetime).
            if (clientId.isPresent() && !firstParty || email.isEmpty()) {
                return Optional.empty();
            }
            clientId = Optional.empty();
        } else if (clientId.isEmpty() || firstParty) {
            return Optional.empty();
        }
        return Optional.of(new AccessClaims(UUID.fromString(c.sub()), UUID.fromString(c.orgId()), email, c.roles(),
                c.permissions(), sid, clientId, c.jti(), Instant.ofEpochSecond(c.iat()), Instant.ofEpochSecond(c.exp()),
                Instant.ofEpochSecond(c.authTime()), c.amr()));
    }

    /**
     * The claims as they appear in the payload; a claim of the wrong JSON type fails the parse. {@code aud} may be
     * a string or an array (RFC 7519 4.1.3).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record RawClaims(String iss, @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> aud,
                     String sub, @JsonProperty("org_id") String orgId, String jti, Long exp, Long nbf, Long iat,
                     @JsonProperty("auth_time") Long authTime, List<String> roles, List<String> permissions,
                     List<String> amr, String sid, @JsonProperty("client_id") String clientId, String email) {}
}
