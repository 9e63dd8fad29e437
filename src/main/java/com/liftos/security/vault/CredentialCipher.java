package com.liftos.security.vault;

import com.liftos.security.crypto.Aead;
import com.liftos.security.crypto.AesKey;
import com.liftos.security.crypto.DecryptionFailedException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Seals credential fields under an organization's data key. The {@link Aead} header names the data-key version;
 * the associated data binds organization, provider, key name and credential version, so a ciphertext copied to
 * another row, version or organization does not open.
 */
public final class CredentialCipher {
    private static final byte[] LABEL = "liftos/vault/credential/v1".getBytes(StandardCharsets.US_ASCII);

    /** Finds a data key by organization and version (the vault's cache; a map in benchmarks). */
    @FunctionalInterface
    public interface DataKeys {
        AesKey key(UUID orgId, int dataKeyVersion);
    }

    private final Aead aead;

    public CredentialCipher(Aead aead) {
        this.aead = aead;
    }

    /** Where a ciphertext belongs. */
    public record Binding(UUID orgId, String provider, String keyName, int credentialVersion) {
        byte[] associatedData() {
            byte[] p = provider.getBytes(StandardCharsets.UTF_8);
            byte[] k = keyName.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(LABEL.length + 16 + 4 + p.length + 4 + k.length + 4).put(LABEL)
                    .putLong(orgId.getMostSignificantBits()).putLong(orgId.getLeastSignificantBits())
                    .putInt(p.length).put(p).putInt(k.length).put(k).putInt(credentialVersion).array();
        }
    }

    public byte[] seal(Binding binding, AesKey dataKey, int dataKeyVersion, SecretFields fields) {
        byte[] plaintext = fields.encode();
        try {
            return aead.seal(dataKey, dataKeyVersion, binding.associatedData(), plaintext);
        } finally {
            java.util.Arrays.fill(plaintext, (byte) 0);
        }
    }

    /** Opens with the key the header names; {@link DecryptionFailedException} on any mismatch or tampering. */
    public SecretFields open(Binding binding, DataKeys keys, byte[] ciphertext) {
        AesKey key = keys.key(binding.orgId(), Aead.keyId(ciphertext));
        byte[] plaintext = Aead.open(key, binding.associatedData(), ciphertext);
        try {
            return SecretFields.decode(plaintext);
        } catch (IllegalStateException e) {
            throw new DecryptionFailedException("decryption failed: malformed plaintext");
        } finally {
            java.util.Arrays.fill(plaintext, (byte) 0);
        }
    }
}
