package com.liftos.security.backup;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks a backup's manifest: HMAC-SHA256 under a key derived from the service key
 * ({@code LIFTOS_SERVICE_KEY_PATH}) with the label {@value #LABEL}. The manifest holds each table's SHA-256, so the
 * signature covers every byte of the backup; someone who edits a table and recomputes its checksum still cannot
 * sign the manifest without the service key. The key never enters the backup.
 */
public final class BackupKey {
    private static final String LABEL = "liftos/backup/manifest/v1";

    private final byte[] key;

    private BackupKey(byte[] key) {
        this.key = key;
    }

    /** The backup key of this installation, from the service key file's bytes. */
    public static BackupKey fromServiceKey(byte[] serviceKey) {
        return new BackupKey(hmac(serviceKey, LABEL.getBytes(StandardCharsets.US_ASCII)));
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
