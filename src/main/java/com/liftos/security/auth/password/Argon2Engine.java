package com.liftos.security.auth.password;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import de.mkammerer.argon2.jna.Argon2Library;
import de.mkammerer.argon2.jna.Argon2_context;
import de.mkammerer.argon2.jna.Argon2_version;
import de.mkammerer.argon2.jna.JnaUint32;
import java.io.File;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.Optional;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raw Argon2id (v1.3) output from the fastest implementation that loads here and computes the same bytes as Bouncy
 * Castle's pure-Java one (a known-answer check at load; the test suite holds all three to identical output):
 * <ul>
 *   <li>libsodium, for single-lane hashes with 16-byte salts (every hash this service makes): its Argon2id uses
 *       AVX2 or SSSE3 where the CPU has them. The system's libsodium where installed, else the linux-x86-64 build
 *       that lazysodium-java publishes on Maven Central. Measured here: 7 MiB, t=5, two threads: 121-154 hashes/s
 *       against libargon2's 56-75 in the same minutes.
 *   <li>libargon2 (the reference C implementation, through argon2-jvm) for other stored parameters below
 *       {@link #NATIVE_MEMORY_LIMIT_KIB}: at or above glibc's 32 MiB mmap threshold it maps and faults in fresh
 *       pages per call, which costs more than the hashing (64 MiB, t=3: 322 ms against Bouncy Castle's 185 ms).
 *   <li>Bouncy Castle for the rest, or for everything where neither library loads.
 * </ul>
 *
 * <p>The password reaches either library in a native buffer of our own, zeroed before it is freed, rather than
 * through a Java array: JNA copies an array into native memory it frees without wiping. libargon2 also clears the
 * buffer as soon as it has read it (ARGON2_FLAG_CLEAR_PASSWORD); libsodium maps its working memory per call and
 * unmaps it afterwards, so none of it stays in the process heap.
 */
final class Argon2Engine {
    private static final Logger LOG = LoggerFactory.getLogger(Argon2Engine.class);
    /** Set to {@code false} to keep Bouncy Castle for every hash (e.g. to compare). */
    static final String NATIVE_PROPERTY = "liftos.argon2.native";
    static final int NATIVE_MEMORY_LIMIT_KIB = 32 * 1024;
    /** Where lazysodium-java keeps its linux-x86-64 libsodium (1.0.18). */
    static final String BUNDLED_SODIUM = "/linux64/libsodium.so";
    private static final int ARGON2_FLAG_CLEAR_PASSWORD = 1;
    private static final int ARGON2_VERSION_13 = 0x13;
    private static final int SODIUM_SALT_BYTES = 16;
    private static final int SODIUM_ALG_ARGON2ID13 = 2;

    private static final Argon2Engine BOUNCY_CASTLE = new Argon2Engine(Optional.empty(), Optional.empty());

    /** The part of libsodium's API this engine calls. size_t is taken as a Java long: 64-bit platforms only. */
    interface Sodium extends Library {
        int sodium_init();

        int crypto_pwhash_argon2id(Pointer out, long outlen, Pointer passwd, long passwdlen, Pointer salt, long opslimit,
                                   long memlimit, int alg);
    }

    private final Optional<Sodium> sodium;
    private final Optional<Argon2Library> argon2;

    private Argon2Engine(Optional<Sodium> sodium, Optional<Argon2Library> argon2) {
        this.sodium = sodium;
        this.argon2 = argon2;
    }

    /** The engine the service uses: native where it loads and passes a known-answer check against Bouncy Castle. */
    static Argon2Engine preferred() {
        return Preferred.ENGINE;
    }

    static Argon2Engine bouncyCastle() {
        return BOUNCY_CASTLE;
    }

    /** An engine on {@code lib} alone (else Bouncy Castle). */
    static Argon2Engine sodiumOnly(Sodium lib) {
        return new Argon2Engine(Optional.of(lib), Optional.empty());
    }

    boolean sodiumLoaded() {
        return sodium.isPresent();
    }

    boolean nativeLoaded() {
        return sodium.isPresent() || argon2.isPresent();
    }

    byte[] derive(byte[] password, byte[] salt, Argon2Parameters params, int length) {
        boolean bySodium = sodium.isPresent() && params.parallelism() == 1 && salt.length == SODIUM_SALT_BYTES;
        boolean byArgon2 = !bySodium && argon2.isPresent() && params.memoryKiB() < NATIVE_MEMORY_LIMIT_KIB;
        if (!bySodium && !byArgon2) {
            return bouncyCastle(password, salt, params, length);
        }
        Memory pwd = new Memory(Math.max(1, password.length));
        try {
            pwd.write(0, password, 0, password.length);
            return bySodium ? sodiumDerive(sodium.get(), pwd, password.length, salt, params, length)
                    : nativeDerive(argon2.get(), pwd, password.length, salt, params, length);
        } finally {
            pwd.clear();
            pwd.close();
        }
    }

    /** libsodium's Argon2id (one lane, 16-byte salt) over a password in native memory, which it leaves as it is. */
    private static byte[] sodiumDerive(Sodium lib, Memory password, int passwordLength, byte[] salt, Argon2Parameters params,
                                       int length) {
        try (Memory saltBuffer = new Memory(salt.length); Memory out = new Memory(length)) {
            saltBuffer.write(0, salt, 0, salt.length);
            int result = lib.crypto_pwhash_argon2id(out, length, password, passwordLength, saltBuffer, params.iterations(),
                    params.memoryKiB() * 1024L, SODIUM_ALG_ARGON2ID13);
            try {
                if (result != 0) {
                    throw new IllegalStateException("libsodium refused the parameters");
                }
                return out.getByteArray(0, length);
            } finally {
                out.clear();
            }
        }
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

    private static Sodium initialized(Sodium lib) {
        // sodium_init picks the SIMD Argon2 implementation for this CPU; without it every hash runs the portable one.
        if (lib.sodium_init() < 0) {
            throw new IllegalStateException("sodium_init failed");
        }
        return lib;
    }

    /** Loaded on first use: loading JNA and the libraries takes ~140 ms, which start-up should not wait for. */
    private static final class Preferred {
        static final Argon2Engine ENGINE = load();

        private static Argon2Engine load() {
            if ("false".equals(System.getProperty(NATIVE_PROPERTY))) {
                LOG.info("password hashing: Bouncy Castle (native Argon2 disabled by -D{}=false)", NATIVE_PROPERTY);
                return BOUNCY_CASTLE;
            }
            Optional<Sodium> sodium = loadSodium("sodium").filter(lib -> passes(sodiumOnly(lib)));
            Optional<Argon2Library> argon2 = loadArgon2().filter(lib -> passes(new Argon2Engine(Optional.empty(), Optional.of(lib))));
            LOG.info("password hashing: {}, {}, Bouncy Castle for the rest",
                    sodium.isPresent() ? "libsodium for one lane and 16-byte salts" : "no libsodium",
                    argon2.isPresent() ? "libargon2 below " + NATIVE_MEMORY_LIMIT_KIB + " KiB" : "no libargon2");
            return new Argon2Engine(sodium, argon2);
        }
    }

    /** The system's libsodium ({@code systemName}), else the bundled linux-x86-64 build. */
    static Optional<Sodium> loadSodium(String systemName) {
        if (Native.POINTER_SIZE != 8) {
            return Optional.empty();
        }
        try {
            return Optional.of(initialized(Native.load(systemName, Sodium.class)));
        } catch (LinkageError | RuntimeException notInstalled) {
            if (!System.getProperty("os.name").startsWith("Linux") || !System.getProperty("os.arch").equals("amd64")) {
                return Optional.empty();
            }
            try {
                File bundled = Native.extractFromResourcePath(BUNDLED_SODIUM, Argon2Engine.class.getClassLoader());
                return Optional.of(initialized(Native.load(bundled.getAbsolutePath(), Sodium.class)));
            } catch (IOException | LinkageError | RuntimeException e) {
                LOG.info("password hashing: libsodium unavailable ({})", e.getClass().getSimpleName());
                return Optional.empty();
            }
        }
    }

    private static Optional<Argon2Library> loadArgon2() {
        try {
            return Optional.of(Argon2Library.INSTANCE);
        } catch (LinkageError | RuntimeException e) {
            LOG.info("password hashing: libargon2 unavailable ({})", e.getClass().getSimpleName());
            return Optional.empty();
        }
    }

    /** True if {@code engine} computes Bouncy Castle's output for a small hash. */
    private static boolean passes(Argon2Engine engine) {
        Argon2Parameters probe = new Argon2Parameters(64, 2, 1);
        byte[] password = {'k', 'a', 't'};
        byte[] salt = new byte[SODIUM_SALT_BYTES];
        try {
            if (MessageDigest.isEqual(bouncyCastle(password, salt, probe, 32), engine.derive(password, salt, probe, 32))) {
                return true;
            }
            LOG.warn("password hashing: a native Argon2 failed its known-answer check and is not used");
        } catch (LinkageError | RuntimeException e) {
            LOG.warn("password hashing: a native Argon2 failed its known-answer check ({})", e.getClass().getSimpleName());
        }
        return false;
    }
}
