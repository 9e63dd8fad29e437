package com.liftos.security.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.liftos.security.crypto.Aead;
import com.liftos.security.crypto.AesKey;
import com.liftos.security.crypto.DecryptionFailedException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The versioned AES-GCM envelope: every byte of header, nonce, ciphertext, tag and associated data is authenticated. */
class AeadTest {
    private final SecureRandom random = new SecureRandom();
    private final Aead aead = new Aead(random);
    private final AesKey key = AesKey.generate(random);
    private final byte[] ad = "org|provider|key|1".getBytes(StandardCharsets.US_ASCII);
    private final byte[] plaintext = "the canary value sk_live_FLIP".getBytes(StandardCharsets.US_ASCII);

    @Test
    void roundTripAndHeaderLayout() {
        byte[] ct = aead.seal(key, 7, ad, plaintext);
        assertThat(ct[0]).isEqualTo(Aead.FORMAT_V1);
        assertThat(Aead.keyId(ct)).isEqualTo(7);
        assertThat(ct).hasSize(Aead.HEADER_LENGTH + plaintext.length + Aead.TAG_LENGTH);
        assertThat(Aead.open(key, ad, ct)).isEqualTo(plaintext);
    }

    @Test
    void everyFlippedBitOfHeaderNonceCiphertextAndTagFails() {
        byte[] ct = aead.seal(key, 1, ad, plaintext);
        for (int i = 0; i < ct.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] t = ct.clone();
                t[i] ^= (byte) (1 << bit);
                assertThatThrownBy(() -> Aead.open(key, ad, t)).as("byte %d bit %d", i, bit)
                        .isInstanceOf(DecryptionFailedException.class).hasMessageStartingWith("decryption failed")
                        .hasMessageNotContaining("canary");
            }
        }
    }

    @Test
    void everyFlippedByteOfAssociatedDataFails() {
        byte[] ct = aead.seal(key, 1, ad, plaintext);
        for (int i = 0; i < ad.length; i++) {
            byte[] other = ad.clone();
            other[i] ^= 0x20;
            assertThatThrownBy(() -> Aead.open(key, other, ct)).isInstanceOf(DecryptionFailedException.class);
        }
    }

    @Test
    void unknownFormatVersionAndShortInputFailAtOnce() {
        byte[] ct = aead.seal(key, 1, ad, plaintext);
        ct[0] = 0x02;
        assertThatThrownBy(() -> Aead.keyId(ct)).hasMessageContaining("unknown ciphertext format version");
        assertThatThrownBy(() -> Aead.keyId(new byte[10])).hasMessageContaining("too short");
    }

    @Test
    void wrongKeyFailsAndNoncesAreFresh() {
        byte[] ct = aead.seal(key, 1, ad, plaintext);
        assertThatThrownBy(() -> Aead.open(AesKey.generate(random), ad, ct)).isInstanceOf(DecryptionFailedException.class);
        Set<String> nonces = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            byte[] c = aead.seal(key, 1, ad, plaintext);
            nonces.add(java.util.HexFormat.of().formatHex(c, Aead.PREFIX_LENGTH, Aead.HEADER_LENGTH));
        }
        assertThat(nonces).hasSize(1000);
    }

    @Test
    void keysShowNoContent() {
        assertThat(key.toString()).isEqualTo("AesKey[redacted]");
        assertThat(SecretFields.of(java.util.Map.of("api_key", "pk_canary")).toString()).contains("api_key").doesNotContain("pk_canary");
    }
}
