package com.liftos.security.backup;

import com.liftos.security.crypto.MasterKey;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks a backup's manifest: HMAC-SHA256 under a key derived from the master key (HKDF-SHA256, info
 * {@value #LABEL}). The manifest holds each table's SHA-256, so the signature covers every byte of the backup;
 * someone who edits a table and recomputes its checksum still cannot sign the manifest without the master key.
 *
 * <p>The master key, not a key stored in the database, because a restore starts from an empty database: the
 * master key is the one secret kept outside it. A backup therefore restores with the master key it was made under,
 * which its data keys and keyring are wrapped under anyway. The key never enters the backup.
 */
public final class BackupKey {
    private static final String LABEL = "liftos/backup/manifest/v2";

    private final byte[] key;
    private final Manifest.MasterKeyKdf kdf;

    private BackupKey(byte[] key, Manifest.MasterKeyKdf kdf) {
        this.key = key;
        this.kdf = kdf;
    }

    /** The backup key of the installation whose (checked) master key this is. */
    public static BackupKey of(MasterKey master) {
        return new BackupKey(master.derive(LABEL),
                new Manifest.MasterKeyKdf(Base64.getEncoder().encodeToString(master.kdfSalt()), master.kdfIterations()));
    }

    /** What the manifest records so that a restore can derive the same master key from a passphrase. */
    Manifest.MasterKeyKdf kdf() {
        return kdf;
    }

    String sign(byte[] manifest) {
        return HexFormat.of().formatHex(hmac(key, manifest));
    }

    boolean verifies(byte[] manifest, byte[] signatureHex) {
        byte[] expected = sign(manifest).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, new String(signatureHex, StandardCharsets.US_ASCII).strip().getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    @Override
    public String toString() {
        return "BackupKey[redacted]";
    }
}
