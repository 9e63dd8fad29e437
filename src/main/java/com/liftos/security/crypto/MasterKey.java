package com.liftos.security.crypto;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * The key-encryption key (KEK) read from {@code MASTER_ENCRYPTION_KEY_PATH}. A file holding base64 of exactly
 * 32 bytes (what {@code liftos setup} writes) is the key itself; anything else is a passphrase, stretched once
 * with PBKDF2-HMAC-SHA256 and the installation's stored salt. Derivation happens here, at load, never per record.
 *
 * <p>The {@link #checkValue() key check value} is HMAC-SHA256(KEK, fixed label): stored in the database, it tells
 * at start whether the file holds the right key without revealing anything about the key.
 */
public final class MasterKey {
    public static final int MIN_PBKDF2_ITERATIONS = 600_000;
    public static final int MIN_PASSPHRASE_CHARS = 12;
    private static final byte[] CHECK_LABEL = "LiftOS vault key check value v1".getBytes(StandardCharsets.US_ASCII);

    /** How the KEK was obtained from the file. */
    public enum Kind { RAW_KEY, PASSPHRASE }

    private final AesKey key;
    private final Kind kind;
    private final byte[] checkValue;
    private final byte[] kdfSalt;
    private final int kdfIterations;

    private MasterKey(AesKey key, Kind kind, byte[] kdfSalt, int kdfIterations) {
        this.key = key;
        this.kind = kind;
        this.checkValue = computeCheckValue(key);
        this.kdfSalt = kdfSalt.clone();
        this.kdfIterations = kdfIterations;
    }

    /** Reads {@code file} (must be mode 0600) and derives the KEK; {@code salt} is used only for a passphrase. */
    public static MasterKey load(Path file, byte[] salt, int iterations) {
        byte[] content = KeyFiles.readPrivate(file);
        try {
            return fromFileContent(content, salt, iterations, file.toString());
        } finally {
            Arrays.fill(content, (byte) 0);
        }
    }

    static MasterKey fromFileContent(byte[] content, byte[] salt, int iterations, String name) {
        int end = content.length;
        while (end > 0 && (content[end - 1] == '\n' || content[end - 1] == '\r')) {
            end--;
        }
        if (end == 0) {
            throw new KeyFileException(name + " is empty (expected base64 of 32 random bytes or a passphrase)");
        }
        byte[] text = Arrays.copyOf(content, end);
        try {
            byte[] raw = tryBase64(text);
            if (raw != null && raw.length == AesKey.LENGTH) {
                AesKey k = AesKey.of(raw);
                Arrays.fill(raw, (byte) 0);
                return new MasterKey(k, Kind.RAW_KEY, salt, iterations);
            }
            if (raw != null) {
                Arrays.fill(raw, (byte) 0);
            }
            return new MasterKey(derive(text, salt, iterations, name), Kind.PASSPHRASE, salt, iterations);
        } finally {
            Arrays.fill(text, (byte) 0);
        }
    }

    private static byte[] tryBase64(byte[] text) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static AesKey derive(byte[] passphrase, byte[] salt, int iterations, String name) {
        if (iterations < MIN_PBKDF2_ITERATIONS) {
            throw new IllegalArgumentException("PBKDF2 iterations below " + MIN_PBKDF2_ITERATIONS);
        }
        if (salt.length < 16) {
            throw new IllegalArgumentException("PBKDF2 salt must be at least 16 bytes");
        }
        CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(passphrase));
        char[] pw = new char[chars.remaining()];
        chars.get(pw);
        Arrays.fill(chars.array(), '\0');
        if (pw.length < MIN_PASSPHRASE_CHARS) {
            Arrays.fill(pw, '\0');
            throw new KeyFileException(name + " holds neither base64 of 32 bytes nor a passphrase of at least "
                    + MIN_PASSPHRASE_CHARS + " characters");
        }
        PBEKeySpec spec = new PBEKeySpec(pw, salt, iterations, AesKey.LENGTH * 8);
        try {
            byte[] derived = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            AesKey k = AesKey.of(derived);
            Arrays.fill(derived, (byte) 0);
            return k;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
        } finally {
            spec.clearPassword();
            Arrays.fill(pw, '\0');
        }
    }

    private static byte[] computeCheckValue(AesKey key) {
        byte[] raw = key.exportBytes(InsecureKeyAccess.TOKEN);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(raw, "HmacSHA256"));
            return mac.doFinal(CHECK_LABEL);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    public AesKey key() {
        return key;
    }

    public Kind kind() {
        return kind;
    }

    /** HMAC-SHA256(KEK, label): safe to store; equal values mean the same key. */
    public byte[] checkValue() {
        return checkValue.clone();
    }

    public boolean matches(byte[] storedCheckValue) {
        return MessageDigest.isEqual(checkValue, storedCheckValue);
    }

    /** The PBKDF2 salt this key was loaded with (used only when the file holds a passphrase; not secret). */
    public byte[] kdfSalt() {
        return kdfSalt.clone();
    }

    /** The PBKDF2 iteration count this key was loaded with. */
    public int kdfIterations() {
        return kdfIterations;
    }

    /**
     * A 256-bit key for one purpose, HKDF-SHA256 (RFC 5869, zero salt) of the KEK with {@code purpose} as info:
     * independent of the KEK and of every other purpose's key. Wipe it after use.
     */
    public byte[] derive(String purpose) {
        byte[] raw = key.exportBytes(InsecureKeyAccess.TOKEN);
        try {
            HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
            hkdf.init(new HKDFParameters(raw, null, purpose.getBytes(StandardCharsets.UTF_8)));
            byte[] out = new byte[AesKey.LENGTH];
            hkdf.generateBytes(out, 0, out.length);
            return out;
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    @Override
    public String toString() {
        return "MasterKey[" + kind + ", redacted]";
    }
}
