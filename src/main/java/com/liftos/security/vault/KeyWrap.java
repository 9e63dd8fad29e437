package com.liftos.security.vault;

import com.liftos.security.crypto.Aead;
import com.liftos.security.crypto.AesKey;
import com.liftos.security.crypto.DecryptionFailedException;
import com.liftos.security.crypto.InsecureKeyAccess;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;

/**
 * Data keys wrapped under a KEK: {@link Aead} format with the KEK id as key id, and associated data binding
 * the organization, the data-key version and the KEK id, so a wrapped key cannot be moved to another org or version.
 */
final class KeyWrap {
    private static final byte[] LABEL = "liftos/vault/data-key/v1".getBytes(StandardCharsets.US_ASCII);

    private KeyWrap() {}

    static byte[] associatedData(UUID orgId, int dataKeyVersion, int kekId) {
        return ByteBuffer.allocate(LABEL.length + 16 + 8).put(LABEL)
                .putLong(orgId.getMostSignificantBits()).putLong(orgId.getLeastSignificantBits())
                .putInt(dataKeyVersion).putInt(kekId).array();
    }

    static byte[] wrap(Aead aead, AesKey kek, int kekId, UUID orgId, int version, AesKey dataKey) {
        byte[] raw = dataKey.exportBytes(InsecureKeyAccess.get());
        try {
            return aead.seal(kek, kekId, associatedData(orgId, version, kekId), raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    static AesKey unwrap(AesKey kek, int kekId, UUID orgId, int version, byte[] wrapped) {
        if (Aead.keyId(wrapped) != kekId) {
            throw new DecryptionFailedException("decryption failed: data key is wrapped under an unknown master key");
        }
        byte[] raw = Aead.open(kek, associatedData(orgId, version, kekId), wrapped);
        try {
            if (raw.length != AesKey.LENGTH) {
                throw new DecryptionFailedException("decryption failed: malformed data key");
            }
            return AesKey.of(raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }
}
