package com.liftos.security.auth.session;

import com.liftos.security.auth.token.KeyDerivation;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The refresh token format, version 1: base64url without padding of
 * {@code 0x01 ‖ session id (16 bytes) ‖ family tag (16) ‖ secret (32)}, 87 characters.
 *
 * <ul>
 *   <li><b>Family tag</b> = HMAC-SHA256(family key, session id), first 16 bytes. Only the server can make it, so a
 *   token with a valid tag was issued for that session (token family). A retired token whose row has been purged is
 *   still recognised by the family it names — and presenting it is reuse, which revokes that family.</li>
 *   <li><b>Secret</b>: 256 random bits for a session's first token; for a successor, HMAC-SHA256(successor key,
 *   presented token). A token's successor is therefore always the same token: a client whose answer was lost and who
 *   presents its old token again (within the reuse interval) gets that successor again, which nothing had to store.
 *   Computing a successor needs the presented token and the key; the database has neither (SHA-256 hashes only), and
 *   whoever has the service key can already sign access tokens.</li>
 * </ul>
 *
 * Both keys come from the service key (HKDF), so every instance sharing it computes the same tags and successors.
 * Tokens of the earlier format (43 characters of 256 random bits, no family) are still accepted; their family's
 * next rotation hands out this format.
 */
final class RefreshTokens {
    static final int LENGTH = 87;
    private static final byte VERSION = 1;
    private static final int TAG_BYTES = 16;
    private static final int SECRET_BYTES = 32;
    private static final int RAW_BYTES = 1 + 16 + TAG_BYTES + SECRET_BYTES;
    private static final Pattern EARLIER = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private final SecretKeySpec familyKey;
    private final SecretKeySpec successorKey;
    private final SecureRandom random;

    RefreshTokens(byte[] serviceKeyFile, SecureRandom random) {
        this.familyKey = new SecretKeySpec(KeyDerivation.derive(serviceKeyFile, "liftos/refresh-family/v1"), "HmacSHA256");
        this.successorKey = new SecretKeySpec(KeyDerivation.derive(serviceKeyFile, "liftos/refresh-successor/v1"), "HmacSHA256");
        this.random = random;
    }

    /** A session's first refresh token: random secret. */
    String first(UUID sessionId) {
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(secret);
        return encode(sessionId, secret);
    }

    /** The one successor of {@code presented} in session {@code sessionId}. */
    String successor(UUID sessionId, String presented) {
        byte[] mac = hmac(successorKey, presented.getBytes(StandardCharsets.US_ASCII));
        return encode(sessionId, Arrays.copyOf(mac, SECRET_BYTES));
    }

    /** The session a version-1 token was issued for, when its tag verifies; empty for anything else. */
    Optional<UUID> family(String token) {
        if (token.length() != LENGTH) {
            return Optional.empty();
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (raw.length != RAW_BYTES || raw[0] != VERSION || !ENCODER.encodeToString(raw).equals(token)) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(raw, 1, 16);
        UUID sid = new UUID(b.getLong(), b.getLong());
        byte[] tag = Arrays.copyOfRange(raw, 17, 17 + TAG_BYTES);
        return MessageDigest.isEqual(tag, tag(sid)) ? Optional.of(sid) : Optional.empty();
    }

    /** Whether {@code token} looks like a token of the earlier format (no family in it). */
    static boolean earlierFormat(String token) {
        return EARLIER.matcher(token).matches();
    }

    private String encode(UUID sessionId, byte[] secret) {
        ByteBuffer b = ByteBuffer.allocate(RAW_BYTES);
        b.put(VERSION).putLong(sessionId.getMostSignificantBits()).putLong(sessionId.getLeastSignificantBits())
                .put(tag(sessionId)).put(secret);
        return ENCODER.encodeToString(b.array());
    }

    private byte[] tag(UUID sessionId) {
        byte[] id = ByteBuffer.allocate(16).putLong(sessionId.getMostSignificantBits()).putLong(sessionId.getLeastSignificantBits())
                .array();
        return Arrays.copyOf(hmac(familyKey, id), TAG_BYTES);
    }

    private static byte[] hmac(SecretKeySpec key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
