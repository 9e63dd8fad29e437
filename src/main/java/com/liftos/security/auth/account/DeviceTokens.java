package com.liftos.security.auth.account;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * OWASP's device cookies: after a completed sign-in the device receives a token naming the account and a random
 * device nonce, MAC'd with a key derived from the service key. Presented at the next login for the same account,
 * it proves the device signed in before, so that device keeps a lockout of its own. Stateless: nothing is stored
 * per device; a token for another account, altered, or older than {@link #LIFETIME} proves nothing.
 *
 * <p>Format: base64url(version 1 | user id (16) | nonce (16) | issued-at seconds (8) | HMAC-SHA256 truncated to 16).
 */
final class DeviceTokens {
    static final Duration LIFETIME = Duration.ofDays(365);
    private static final byte VERSION = 1;
    private static final int BODY = 1 + 16 + 16 + 8;
    private static final int TAG = 16;

    private final SecretKeySpec key;
    private final SecureRandom random;

    DeviceTokens(byte[] key, SecureRandom random) {
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
        this.random = random;
    }

    String issue(UUID userId, Instant now) {
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        ByteBuffer b = ByteBuffer.allocate(BODY + TAG);
        b.put(VERSION).putLong(userId.getMostSignificantBits()).putLong(userId.getLeastSignificantBits())
                .put(nonce).putLong(now.getEpochSecond());
        b.put(tag(b.array()));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /** The device id (hex nonce) the token proves for {@code userId}, if it is genuine, for that user and not too old. */
    Optional<String> deviceOf(String token, UUID userId, Instant now) {
        if (token.length() > 100) {
            return Optional.empty();
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (raw.length != BODY + TAG || raw[0] != VERSION
                || !MessageDigest.isEqual(tag(raw), Arrays.copyOfRange(raw, BODY, BODY + TAG))) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(raw, 1, BODY - 1);
        UUID user = new UUID(b.getLong(), b.getLong());
        byte[] nonce = new byte[16];
        b.get(nonce);
        Instant issued = Instant.ofEpochSecond(b.getLong());
        if (!user.equals(userId) || issued.isAfter(now.plusSeconds(60)) || !now.isBefore(issued.plus(LIFETIME))) {
            return Optional.empty();
        }
        return Optional.of(HexFormat.of().formatHex(nonce));
    }

    private byte[] tag(byte[] tokenBytes) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(tokenBytes, 0, BODY);
            return Arrays.copyOf(mac.doFinal(), TAG);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }
}
