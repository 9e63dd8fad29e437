package com.liftos.security.mfa;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** RFC 6238 Appendix B (SHA-1 rows), the ±1 step window, and agreement with the RFC's reference generator. */
class TotpTest {
    private static final byte[] RFC_SEED = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

    @ParameterizedTest(name = "T={0}")
    @CsvSource({
            "59,          94287082",
            "1111111109,  07081804",
            "1111111111,  14050471",
            "1234567890,  89005924",
            "2000000000,  69279037",
            "20000000000, 65353130"})
    void rfc6238AppendixBSha1(long time, String expected8) {
        long step = Totp.step(Instant.ofEpochSecond(time));
        assertThat(Totp.code(RFC_SEED, step, 8)).isEqualTo(expected8);
        // the 6-digit profile is the same truncation mod 10^6: the last six digits
        assertThat(Totp.code(RFC_SEED, step, 6)).isEqualTo(expected8.substring(2));
        assertThat(Rfc6238Reference.generateTOTP(Rfc6238Reference.hex(RFC_SEED),
                Long.toHexString(step).toUpperCase(), 8, "HmacSHA1")).isEqualTo(expected8);
        assertThat(Totp.matchingStep(RFC_SEED, expected8.substring(2), Instant.ofEpochSecond(time))).hasValue(step);
    }

    @Test
    void windowAcceptsOneStepEitherSideAndRefusesTwo() {
        Instant now = Instant.ofEpochSecond(1_700_000_015L);
        long step = Totp.step(now);
        for (int d = -1; d <= 1; d++) {
            assertThat(Totp.matchingStep(RFC_SEED, Totp.code(RFC_SEED, step + d, 6), now)).as("offset %d", d).hasValue(step + d);
        }
        for (int d : new int[] {-2, 2, -3, 3}) {
            String code = Totp.code(RFC_SEED, step + d, 6);
            boolean collides = false;
            for (int w = -1; w <= 1; w++) {
                collides |= Totp.code(RFC_SEED, step + w, 6).equals(code);
            }
            if (!collides) {
                assertThat(Totp.matchingStep(RFC_SEED, code, now)).as("offset %d", d).isEmpty();
            }
        }
    }

    @Test
    void stepBoundaries() {
        // 29.999 s and 30 s are different steps; the code of step 0 is still accepted at the start of step 1
        assertThat(Totp.step(Instant.ofEpochSecond(29))).isZero();
        assertThat(Totp.step(Instant.ofEpochSecond(30))).isEqualTo(1);
        assertThat(Totp.matchingStep(RFC_SEED, Totp.code(RFC_SEED, 0, 6), Instant.ofEpochSecond(30))).hasValue(0);
        assertThat(Totp.matchingStep(RFC_SEED, Totp.code(RFC_SEED, 0, 6), Instant.ofEpochSecond(90))).isEmpty();
    }

    @Test
    void malformedCodesAreRefused() {
        Instant now = Instant.ofEpochSecond(59);
        for (String bad : new String[] {"", "28708", "2870820", "28708a", " 87082", "-87082", "２８７０８２"}) {
            assertThat(Totp.matchingStep(RFC_SEED, bad, now)).as(bad).isEmpty();
        }
    }

    @Test
    void independentGeneratorAgreesOnRandomSecrets() {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 200; i++) {
            byte[] secret = new byte[20];
            random.nextBytes(secret);
            String b32 = Base32.encode(secret);
            assertThat(Rfc6238Reference.base32Decode(b32)).isEqualTo(secret);
            Instant t = Instant.ofEpochSecond(random.nextLong(4_000_000_000L));
            assertThat(Totp.matchingStep(secret, Rfc6238Reference.code(b32, t), t)).hasValue(Totp.step(t));
        }
    }

    @Test
    void base32Rfc4648Vectors() {
        assertThat(Base32.encode("".getBytes(StandardCharsets.US_ASCII))).isEmpty();
        assertThat(Base32.encode("f".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MY");
        assertThat(Base32.encode("fo".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MZXQ");
        assertThat(Base32.encode("foo".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MZXW6");
        assertThat(Base32.encode("foob".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MZXW6YQ");
        assertThat(Base32.encode("fooba".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MZXW6YTB");
        assertThat(Base32.encode("foobar".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MZXW6YTBOI");
    }
}
