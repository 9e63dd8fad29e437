package com.liftos.security.auth;

import com.sun.jna.Memory;
import de.mkammerer.argon2.jna.Argon2Library;
import de.mkammerer.argon2.jna.Argon2_context;
import de.mkammerer.argon2.jna.Argon2_version;
import de.mkammerer.argon2.jna.JnaUint32;
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
 *
 * <p>The native call goes through libargon2's context API with buffers of our own rather than argon2-jvm's
 * byte-array calls: JNA copies a Java array into native memory it frees without wiping, which would leave the
 * password in freed native memory. libargon2 clears our password buffer as soon as it has read it
 * (ARGON2_FLAG_CLEAR_PASSWORD), and every buffer is zeroed before it is freed.
 */
final class Argon2Engine {
    private static final Logger LOG = LoggerFactory.getLogger(Argon2Engine.class);
    /** Set to {@code false} to keep Bouncy Castle for every hash (e.g. to compare). */
    static final String NATIVE_PROPERTY = "liftos.argon2.native";
    static final int NATIVE_MEMORY_LIMIT_KIB = 32 * 1024;
    private static final int ARGON2_FLAG_CLEAR_PASSWORD = 1;
    private static final int ARGON2_VERSION_13 = 0x13;

    private static final Argon2Engine BOUNCY_CASTLE = new Argon2Engine(Optional.empty());

    private final Optional<Argon2Library> nativeArgon2;

    private Argon2Engine(Optional<Argon2Library> nativeArgon2) {
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
            Memory pwd = new Memory(Math.max(1, password.length));
            try {
                pwd.write(0, password, 0, password.length);
                return nativeDerive(nativeArgon2.get(), pwd, password.length, salt, params, length);
            } finally {
                pwd.clear();
                pwd.close();
            }
        }
        return bouncyCastle(password, salt, params, length);
    }

    /** libargon2's Argon2id over a password already in native memory, which it clears once read. */
    static byte[] nativeDerive(Argon2Library lib, Memory password, int passwordLength, byte[] salt, Argon2Parameters params,
                               int length) {
        try (Memory saltBuffer = new Memory(salt.length); Memory out = new Memory(length)) {
            saltBuffer.write(0, salt, 0, salt.length);
            Argon2_context.ByReference ctx = new Argon2_context.ByReference();
            ctx.out = out;
            ctx.outlen = new JnaUint32(length);
            ctx.pwd = password;
            ctx.pwdlen = new JnaUint32(passwordLength);
            ctx.salt = saltBuffer;
            ctx.saltlen = new JnaUint32(salt.length);
            ctx.secretlen = new JnaUint32(0);
            ctx.adlen = new JnaUint32(0);
            ctx.t_cost = new JnaUint32(params.iterations());
            ctx.m_cost = new JnaUint32(params.memoryKiB());
            ctx.lanes = new JnaUint32(params.parallelism());
            ctx.threads = new JnaUint32(params.parallelism());
            ctx.version = new Argon2_version(ARGON2_VERSION_13);
            ctx.flags = new JnaUint32(ARGON2_FLAG_CLEAR_PASSWORD);
            int result = lib.argon2id_ctx(ctx);
            try {
                if (result != Argon2Library.ARGON2_OK) {
                    throw new IllegalStateException("libargon2 refused the parameters (code " + result + ")");
                }
                return out.getByteArray(0, length);
            } finally {
                out.clear();
            }
        }
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
                Argon2Engine candidate = new Argon2Engine(Optional.of(Argon2Library.INSTANCE));
                Argon2Parameters probe = new Argon2Parameters(64, 2, 1);
                byte[] password = {'k', 'a', 't'};
                byte[] salt = new byte[16];
                byte[] expected = bouncyCastle(password, salt, probe, 32);
                byte[] actual = candidate.derive(password, salt, probe, 32);
                if (!MessageDigest.isEqual(expected, actual)) {
                    LOG.warn("password hashing: Bouncy Castle (native libargon2 failed its known-answer check)");
                    return BOUNCY_CASTLE;
                }
                LOG.info("password hashing: native libargon2 below {} KiB, Bouncy Castle above", NATIVE_MEMORY_LIMIT_KIB);
                return candidate;
            } catch (LinkageError | RuntimeException e) {
                LOG.info("password hashing: Bouncy Castle (native libargon2 unavailable: {})", e.getClass().getSimpleName());
                return BOUNCY_CASTLE;
            }
        }
    }
}
