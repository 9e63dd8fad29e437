package com.liftos.security.audit;

import com.liftos.security.crypto.KeyFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key that signs audit checkpoints and retention anchors: HMAC-SHA256 under 32 random bytes kept in
 * {@code audit_signing_key.txt} (base64, mode 0600) next to the master key. It is a file of its own so that master
 * key rotation does not invalidate old checkpoints. Its id (first 8 hex digits of a SHA-256 of the key) is stored
 * with each signature; a signature under another key id does not verify.
 *
 * <p>Signed message: {@code "LIFTOS-AUDIT-CHECKPOINT-1" || kind || chain (16 bytes) || seq || hash || time micros}.
 */
public final class AuditKey {
    static final String FILE_NAME = "audit_signing_key.txt";

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

    /** The key file next to {@code masterKeyFile}. */
    public static Path pathNextTo(Path masterKeyFile) {
        Path dir = masterKeyFile.toAbsolutePath().getParent();
        return dir.resolve(FILE_NAME);
    }

    /** Reads the key, creating it (mode 0600) when absent. */
    public static AuditKey loadOrCreate(Path file, SecureRandom random) {
        if (!Files.exists(file)) {
            byte[] raw = new byte[32];
            random.nextBytes(raw);
            try {
                KeyFiles.writeNew(file, (Base64.getEncoder().encodeToString(raw) + "\n").getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw new UncheckedIOException("audit signing key could not be written to " + file, e);
            } finally {
                Arrays.fill(raw, (byte) 0);
            }
        }
        return load(file);
    }

    /** Reads an existing key file; {@link com.liftos.security.crypto.KeyFileException} when missing or unsafe. */
    public static AuditKey load(Path file) {
        byte[] content = KeyFiles.readPrivate(file);
        try {
            byte[] raw = Base64.getDecoder().decode(new String(content, StandardCharsets.US_ASCII).strip());
            if (raw.length != 32) {
                throw new IllegalStateException(file + " must hold base64 of 32 bytes");
            }
            return new AuditKey(raw);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(file + " must hold base64 of 32 bytes");
        } finally {
            Arrays.fill(content, (byte) 0);
        }
    }

    /** A key from raw bytes (tests, benchmarks). */
    static AuditKey of(byte[] raw) {
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
