package com.liftos.security.keys;

import com.liftos.security.crypto.Aead;
import com.liftos.security.crypto.DecryptionFailedException;
import com.liftos.security.crypto.InsecureKeyAccess;
import com.liftos.security.crypto.MasterKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A keyring key wrapped under a master key term: {@link Aead} with the term as key id, and associated data
 * {@code "liftos/keyring/v1\n" || purpose || 0x00 || term (int32)}, so a wrapped key opens only as the purpose and
 * under the term it was wrapped for.
 */
final class KeyringSeal {
    private static final byte[] LABEL = "liftos/keyring/v1\n".getBytes(StandardCharsets.US_ASCII);

    private KeyringSeal() {}

    static byte[] associatedData(KeyPurpose purpose, int kekId) {
        byte[] name = purpose.stored().getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(LABEL.length + name.length + 1 + 4).put(LABEL).put(name).put((byte) 0).putInt(kekId).array();
    }

    static byte[] wrap(Aead aead, MasterKey master, int kekId, KeyPurpose purpose, KeyMaterial key) {
        byte[] raw = key.bytes(InsecureKeyAccess.get());
        try {
            return aead.seal(master.key(), kekId, associatedData(purpose, kekId), raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /** The key, or a {@link DecryptionFailedException} when it was wrapped under another term or key, or altered. */
    static KeyMaterial unwrap(MasterKey master, int kekId, KeyPurpose purpose, byte[] wrapped) {
        if (Aead.keyId(wrapped) != kekId) {
            throw new DecryptionFailedException("decryption failed: keyring key is wrapped under another master key term");
        }
        byte[] raw = Aead.open(master.key(), associatedData(purpose, kekId), wrapped);
        try {
            return KeyMaterial.of(raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }
}
