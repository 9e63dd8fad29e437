package com.liftos.security.auth.password;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.org.SecurityConfig;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PasswordHasherTest {
    private final PasswordHasher hasher = new PasswordHasher(new Argon2Parameters(8192, 1, 1), new SecureRandom());

    @Test
    void hashesInPhcFormatAndVerifies() {
        String h = hasher.hash("Correct-Horse-9!".toCharArray());
        assertThat(h).startsWith("$argon2id$v=19$m=8192,t=1,p=1$");
        assertThat(hasher.verify("Correct-Horse-9!".toCharArray(), h)).isTrue();
        assertThat(hasher.verify("Correct-Horse-9?".toCharArray(), h)).isFalse();
        assertThat(hasher.hash("Correct-Horse-9!".toCharArray())).isNotEqualTo(h);
    }

    @Test
    void aTamperedTagFailsVerification() {
        String h = hasher.hash("pw-Known-Answer-1!".toCharArray());
        char[] tampered = h.toCharArray();
        int last = tampered.length - 2;
        tampered[last] = tampered[last] == 'A' ? 'B' : 'A';
        assertThat(hasher.verify("pw-Known-Answer-1!".toCharArray(), new String(tampered))).isFalse();
    }

    @Test
    void nativeAndBouncyCastleComputeTheSameHashes() {
        // Keycloak's parameters, a small one, two lanes: each engine verifies the other's hashes.
        for (Argon2Parameters params : new Argon2Parameters[] {
                new Argon2Parameters(7168, 5, 1), new Argon2Parameters(64, 1, 1), new Argon2Parameters(4096, 2, 2)}) {
            PasswordHasher nativeFirst = new PasswordHasher(params, new SecureRandom(), Argon2Engine.preferred());
            PasswordHasher pureJava = new PasswordHasher(params, new SecureRandom(), Argon2Engine.bouncyCastle());
            char[] password = "Ünïcode-Pässwörd-1!".toCharArray();
            assertThat(pureJava.verify(password, nativeFirst.hash(password))).isTrue();
            assertThat(nativeFirst.verify(password, pureJava.hash(password))).isTrue();
            assertThat(pureJava.verify("wrong".toCharArray(), nativeFirst.hash(password))).isFalse();
        }
    }

    @Test
    void nativeArgon2LoadsOnLinuxX86() {
        // libsodium (the system's or the bundled one) covers this platform; a silent fall-back would halve the login rate.
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux")
                && System.getProperty("os.arch").equals("amd64"));
        assertThat(Argon2Engine.preferred().sodiumLoaded()).isTrue();
        assertThat(Argon2Engine.preferred().nativeLoaded()).isTrue();
        assertThat(Argon2Engine.bouncyCastle().nativeLoaded()).isFalse();
    }

    @Test
    void theSystemAndTheBundledLibsodiumComputeBouncyCastlesHashes() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux")
                && System.getProperty("os.arch").equals("amd64"));
        // A system library that is not there falls back to the bundled build; "sodium" is the system's where installed.
        Optional<Argon2Engine.Sodium> bundled = Argon2Engine.loadSodium("liftos-no-such-library");
        assertThat(bundled).isPresent();
        List<Argon2Engine> engines = new java.util.ArrayList<>(List.of(Argon2Engine.sodiumOnly(bundled.get())));
        Argon2Engine.loadSodium("sodium").map(Argon2Engine::sodiumOnly).ifPresent(engines::add);
        byte[] password = "Ünïcode-Pässwörd-1!".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        for (Argon2Engine engine : engines) {
            assertThat(engine.sodiumLoaded()).isTrue();
            for (Argon2Parameters params : new Argon2Parameters[] {
                    new Argon2Parameters(7168, 5, 1), new Argon2Parameters(65536, 3, 1), new Argon2Parameters(8, 1, 1)}) {
                for (int length : new int[] {16, 32, 64}) {
                    assertThat(engine.derive(password, salt, params, length))
                            .isEqualTo(Argon2Engine.bouncyCastle().derive(password, salt, params, length));
                }
            }
        }
    }

    @Test
    void storedHashesLibsodiumCannotTakeStillVerify() {
        // Two lanes, or an 8-byte salt (both legal Argon2id, e.g. imported hashes), go to libargon2 or Bouncy Castle.
        byte[] password = "Legacy-Import-9!".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int saltLength : new int[] {8, 24}) {
            byte[] salt = new byte[saltLength];
            new SecureRandom().nextBytes(salt);
            Argon2Parameters params = new Argon2Parameters(1024, 2, 1);
            assertThat(Argon2Engine.preferred().derive(password, salt, params, 32))
                    .isEqualTo(Argon2Engine.bouncyCastle().derive(password, salt, params, 32));
        }
    }

    @Test
    void nativeArgon2LeavesNoCopyOfThePasswordInNativeMemory() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Argon2Engine.preferred().nativeLoaded());
        byte[] canary = "CANARY-pw-7f3a9c".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] salt = new byte[16];
        Argon2Parameters params = new Argon2Parameters(64, 1, 1);
        try (com.sun.jna.Memory pwd = new com.sun.jna.Memory(canary.length)) {
            pwd.write(0, canary, 0, canary.length);
            byte[] out = Argon2Engine.nativeDerive(de.mkammerer.argon2.jna.Argon2Library.INSTANCE, pwd, canary.length, salt, params, 32);
            // Computed from the password, and the password is gone from the buffer the library read it from.
            assertThat(out).isEqualTo(Argon2Engine.bouncyCastle().derive(canary, salt, params, 32));
            assertThat(pwd.getByteArray(0, canary.length)).containsOnly((byte) 0);
        }
    }

    @Test
    void storedHashesWithShortSaltsOrTagsNeverVerify() {
        String h = hasher.hash("Abcdefgh1234!".toCharArray());
        String[] parts = h.split("\\$");
        assertThat(hasher.verify("Abcdefgh1234!".toCharArray(), "$argon2id$v=19$" + parts[3] + "$AAAA$" + parts[5])).isFalse();
        assertThat(hasher.verify("Abcdefgh1234!".toCharArray(), "$argon2id$v=19$" + parts[3] + "$" + parts[4] + "$AAAAAAAA")).isFalse();
    }

    @Test
    void malformedHashesNeverVerify() {
        assertThat(hasher.verify("x".toCharArray(), "")).isFalse();
        assertThat(hasher.verify("x".toCharArray(), "$argon2i$v=19$m=8,t=1,p=1$AAAA$AAAA")).isFalse();
        assertThat(hasher.verify("x".toCharArray(), "$argon2id$v=19$m=x,t=1,p=1$AAAA$AAAA")).isFalse();
    }

    @Test
    void olderParametersNeedRehash() {
        PasswordHasher weak = new PasswordHasher(new Argon2Parameters(4096, 1, 1), new SecureRandom());
        assertThat(hasher.needsRehash(weak.hash("Abcdefgh1234!".toCharArray()))).isTrue();
        assertThat(hasher.needsRehash(hasher.hash("Abcdefgh1234!".toCharArray()))).isFalse();
    }

    @Test
    void policyReportsEachFailedRule() {
        var policy = SecurityConfig.PasswordPolicy.defaults();
        assertThat(PasswordRules.violations("short".toCharArray(), policy)).containsExactlyInAnyOrder(
                "Password must be at least 12 characters", "Password must contain an uppercase letter",
                "Password must contain a digit", "Password must contain a special character");
        assertThat(PasswordRules.violations("Long-enough-Passw0rd".toCharArray(), policy)).isEmpty();
        assertThat(PasswordRules.violations(PasswordRules.generate(new SecureRandom(), 20), policy)).isEmpty();
    }
}
