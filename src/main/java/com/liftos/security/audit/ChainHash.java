package com.liftos.security.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * The record hash of format 1. A record commits to the previous record's hash, to every stored field except the
 * personal ones, and to a salted SHA-256 digest of the personal fields (client IP, user agent, personal details).
 * Erasing the personal fields (and their salt) therefore leaves the chain verifiable, and the destroyed salt keeps
 * the digest from being brute-forced back to an IP address.
 *
 * <p>Encoding: a domain tag, then each field in a fixed order; strings as a 4-byte length (-1 = null) and UTF-8,
 * UUIDs as 16 bytes (or one 0 byte for null), times as epoch microseconds (PostgreSQL's precision), the risk score
 * as its IEEE-754 bits. The storage position {@code seq} is not hashed: order is proven by the links alone.
 * Not thread-safe: one instance per thread.
 */
final class ChainHash {
    static final int FORMAT = 1;
    static final int HASH_BYTES = 32;
    static final int SALT_BYTES = 16;
    static final byte[] GENESIS = new byte[HASH_BYTES];
    private static final byte[] RECORD_TAG = "LIFTOS-AUDIT-RECORD-1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PERSONAL_TAG = "LIFTOS-AUDIT-PERSONAL-1".getBytes(StandardCharsets.US_ASCII);

    private final MessageDigest sha256;
    private ByteBuffer buffer = ByteBuffer.allocate(4096);

    ChainHash() {
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** The fields a record hash commits to, as stored. */
    record Fields(byte[] prevHash, UUID eventId, long occurredMicros, String eventType, UUID orgId, UUID actorId,
                  String actorType, String action, String resource, boolean success, String detailsText,
                  String requestId, double riskScore, byte[] personalDigest) {}

    byte[] personalDigest(byte[] salt, String clientIp, String userAgent, String personalText) {
        buffer.clear();
        put(PERSONAL_TAG);
        put(salt);
        putString(clientIp);
        putString(userAgent);
        putString(personalText);
        return digest();
    }

    byte[] recordHash(Fields f) {
        buffer.clear();
        put(RECORD_TAG);
        put(f.prevHash());
        putUuid(f.eventId());
        ensure(8).putLong(f.occurredMicros());
        putString(f.eventType());
        putUuid(f.orgId());
        putUuid(f.actorId());
        putString(f.actorType());
        putString(f.action());
        putString(f.resource());
        ensure(1).put((byte) (f.success() ? 1 : 0));
        putString(f.detailsText());
        putString(f.requestId());
        ensure(8).putLong(Double.doubleToLongBits(f.riskScore()));
        put(f.personalDigest());
        return digest();
    }

    private byte[] digest() {
        sha256.reset();
        sha256.update(buffer.array(), 0, buffer.position());
        return sha256.digest();
    }

    private void put(byte[] bytes) {
        ensure(bytes.length).put(bytes);
    }

    private void putString(String s) {
        if (s == null) {
            ensure(4).putInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        ensure(4 + b.length).putInt(b.length).put(b);
    }

    private void putUuid(UUID id) {
        if (id == null) {
            ensure(1).put((byte) 0);
            return;
        }
        ensure(17).put((byte) 1).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
    }

    private ByteBuffer ensure(int more) {
        if (buffer.remaining() < more) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + more + 1024));
            buffer.flip();
            bigger.put(buffer);
            buffer = bigger;
        }
        return buffer;
    }
}
