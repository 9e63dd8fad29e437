package com.liftos.security.auth;

import de.mkammerer.argon2.Argon2Advanced;
import de.mkammerer.argon2.Argon2Factory;
import java.security.MessageDigest;
import java.util.Optional;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raw Argon2id (v1.3) output, from the reference C library (libargon2 through argon2-jvm) where it loads and pays,
 * else from Bouncy Castle's pure-Java implementation. Both compute the same function; the test suite holds them
 * to identical output.
 *
 * <p>Native is used below {@link #NATIVE_MEMORY_LIMIT_KIB} only: libargon2 allocates its memory per call, and at
 * or above glibc's 32 MiB mmap threshold every call maps and faults in fresh pages, which costs more than the
 * hashing (measured here: 7 MiB, t=5: 17 ms native against 21 ms Bouncy Castle; 64 MiB, t=3: 322 ms against 185 ms).
 */
final class Argon2Engine {
    private static final Logger LOG = LoggerFactory.getLogger(Argon2Engine.class);
    /** Set to {@code false} to keep Bouncy Castle for every hash (e.g. to compare). */
    static final String NATIVE_PROPERTY = "liftos.argon2.native";
    static final int NATIVE_MEMORY_LIMIT_KIB = 32 * 1024;

    private static final Argon2Engine BOUNCY_CASTLE = new Argon2Engine(Optional.empty());

    private final Optional<Argon2Advanced> nativeArgon2;

    private Argon2Engine(Optional<Argon2Advanced> nativeArgon2) {
        this.nativeArgon2 = nativeArgon2;
    }

    /** The engine the service uses: native where it loads and passes a known-answer check against Bouncy Castle. */
    static Argon2Engine preferred() {
        return Preferred.ENGINE;
    }

    static Argon2Engine bouncyCastle() {
        return BOUNCY_CASTLE;
    }

    boolean nativeLoaded() {
        return nativeArgon2.isPresent();
    }

    byte[] derive(byte[] password, byte[] salt, Argon2Parameters params, int length) {
        if (nativeArgon2.isPresent() && params.memoryKiB() < NATIVE_MEMORY_LIMIT_KIB) {
            return nativeArgon2.get().pbkdf(params.iterations(), params.memoryKiB(), params.parallelism(), password, salt, length);
        }
        return bouncyCastle(password, salt, params, length);
    }

    private static byte[] bouncyCastle(byte[] password, byte[] salt, Argon2Parameters params, int length) {
        org.bouncycastle.crypto.params.Argon2Parameters bc = new org.bouncycastle.crypto.params.Argon2Parameters.Builder(
                org.bouncycastle.crypto.params.Argon2Parameters.ARGON2_id)
                .withVersion(org.bouncycastle.crypto.params.Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(params.memoryKiB())
                .withIterations(params.iterations())
                .withParallelism(params.parallelism())
                .withSalt(salt)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(bc);
        byte[] out = new byte[length];
        generator.generateBytes(password, out);
        return out;
    }

    /** Loaded on first use: loading JNA and libargon2 takes ~140 ms, which start-up should not wait for. */
    private static final class Preferred {
        static final Argon2Engine ENGINE = load();

        private static Argon2Engine load() {
            if ("false".equals(System.getProperty(NATIVE_PROPERTY))) {
                LOG.info("password hashing: Bouncy Castle (native libargon2 disabled by -D{}=false)", NATIVE_PROPERTY);
                return BOUNCY_CASTLE;
            }
            try {
                Argon2Advanced argon2 = Argon2Factory.createAdvanced(Argon2Factory.Argon2Types.ARGON2id);
                Argon2Parameters probe = new Argon2Parameters(64, 2, 1);
                byte[] password = {'k', 'a', 't'};
                byte[] salt = new byte[16];
                byte[] expected = bouncyCastle(password, salt, probe, 32);
                byte[] actual = argon2.pbkdf(probe.iterations(), probe.memoryKiB(), probe.parallelism(), password, salt, 32);
                if (!MessageDigest.isEqual(expected, actual)) {
                    LOG.warn("password hashing: Bouncy Castle (native libargon2 failed its known-answer check)");
                    return BOUNCY_CASTLE;
                }
                LOG.info("password hashing: native libargon2 below {} KiB, Bouncy Castle above", NATIVE_MEMORY_LIMIT_KIB);
                return new Argon2Engine(Optional.of(argon2));
            } catch (LinkageError | RuntimeException e) {
                LOG.info("password hashing: Bouncy Castle (native libargon2 unavailable: {})", e.getClass().getSimpleName());
                return BOUNCY_CASTLE;
            }
        }
    }
}
