package com.liftos.security.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key that signs audit checkpoints and retention anchors: HMAC-SHA256 under 32 random bytes, the instance
 * keyring's audit signing key (in the database, wrapped under the master key, the same for every instance). It is a
 * key of its own, not one derived from the master key, so that a master-key rotation does not invalidate old
 * checkpoints. Its id (first 8 hex digits of a SHA-256 of the key) is stored with each signature; a signature
 * under another key id does not verify.
 *
 * <p>Signed message: {@code "LIFTOS-AUDIT-CHECKPOINT-1" || kind || chain (16 bytes) || seq || hash || time micros}.
 */
public final class AuditKey {
    private final SecretKeySpec key;
    private final String id;

    private AuditKey(byte[] raw) {
        this.key = new SecretKeySpec(raw, "HmacSHA256");
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(concat("LIFTOS-AUDIT-KEY-ID".getBytes(StandardCharsets.US_ASCII), raw));
            this.id = HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
        Arrays.fill(raw, (byte) 0);
    }

    /** The key of 32 raw bytes (the instance keyring's audit signing key); copies them. */
    public static AuditKey of(byte[] raw) {
        if (raw.length != 32) {
            throw new IllegalArgumentException("audit signing key must be 32 bytes");
        }
        return new AuditKey(raw.clone());
    }

    public String id() {
        return id;
    }

    byte[] sign(String kind, UUID chain, long seq, byte[] hash, Instant at) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update("LIFTOS-AUDIT-CHECKPOINT-1".getBytes(StandardCharsets.US_ASCII));
            mac.update(kind.getBytes(StandardCharsets.US_ASCII));
            mac.update(ByteBuffer.allocate(32).putLong(chain.getMostSignificantBits()).putLong(chain.getLeastSignificantBits())
                    .putLong(seq).putLong(ChainAppender.micros(at)).array());
            mac.update(hash);
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    boolean verify(String keyId, byte[] signature, String kind, UUID chain, long seq, byte[] hash, Instant at) {
        return id.equals(keyId) && signature != null && MessageDigest.isEqual(signature, sign(kind, chain, seq, hash, at));
    }

    @Override
    public String toString() {
        return "AuditKey[id=" + id + "]";
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
