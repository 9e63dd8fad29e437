package com.liftos.security.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** {@link MasterKey#derive}: RFC 5869 HKDF-SHA256 with an empty salt, one independent key per purpose. */
class MasterKeyDeriveTest {
    static final byte[] KEK = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

    static MasterKey master() {
        return MasterKey.fromFileContent(Base64.getEncoder().encodeToString(KEK).getBytes(StandardCharsets.US_ASCII),
                new byte[16], MasterKey.MIN_PBKDF2_ITERATIONS, "test");
    }

    /** HKDF written out from RFC 5869 §2.2–2.3 for L = 32: PRK = HMAC(0^32, IKM), OKM = HMAC(PRK, info || 0x01). */
    static byte[] rfc5869(byte[] ikm, String info) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
        byte[] prk = mac.doFinal(ikm);
        mac.init(new SecretKeySpec(prk, "HmacSHA256"));
        mac.update(info.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 1);
        return mac.doFinal();
    }

    @Test
    void derivesRfc5869HkdfPerPurpose() throws Exception {
        MasterKey m = master();
        assertThat(m.derive("liftos/backup/manifest/v2")).isEqualTo(rfc5869(KEK, "liftos/backup/manifest/v2"));
        assertThat(m.derive("a")).isNotEqualTo(m.derive("b")).hasSize(32);
        assertThat(m.derive("a")).isNotEqualTo(KEK);
        assertThat(m.toString()).doesNotContain(HexFormat.of().formatHex(KEK)).contains("redacted");
    }
}
