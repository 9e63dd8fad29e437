package com.liftos.security.auth.password;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * Argon2id password hashing ({@link Argon2Engine}: native libargon2 or Bouncy Castle) in the PHC string format
 * {@code $argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>}. Verification is constant-time in the hash comparison.
 */
public final class PasswordHasher {
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private final Argon2Parameters parameters;
    private final SecureRandom random;
    private final Argon2Engine engine;

    public PasswordHasher(Argon2Parameters parameters, SecureRandom random) {
        this(parameters, random, Argon2Engine.preferred());
    }

    PasswordHasher(Argon2Parameters parameters, SecureRandom random, Argon2Engine engine) {
        this.parameters = parameters;
        this.random = random;
        this.engine = engine;
    }

    public Argon2Parameters parameters() {
        return parameters;
    }

    public String hash(char[] password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] out = derive(password, salt, parameters, HASH_BYTES);
        return "$argon2id$v=19$m=" + parameters.memoryKiB() + ",t=" + parameters.iterations() + ",p=" + parameters.parallelism()
                + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(out);
    }

    /** True when {@code password} matches {@code encoded}; false for a malformed encoding. */
    public boolean verify(char[] password, String encoded) {
        Optional<Parsed> parsed = parse(encoded);
        if (parsed.isEmpty()) {
            return false;
        }
        Parsed p = parsed.get();
        byte[] candidate = derive(password, p.salt, p.parameters, p.hash.length);
        return MessageDigest.isEqual(candidate, p.hash);
    }

    /** True when {@code encoded} was made with weaker or different parameters than the current ones. */
    public boolean needsRehash(String encoded) {
        return parse(encoded).map(p -> !p.parameters.equals(parameters)).orElse(true);
    }

    /** Spends the same work as a real verification; used when the account does not exist. */
    public void burn(char[] password) {
        derive(password, new byte[SALT_BYTES], parameters, HASH_BYTES);
    }

    private record Parsed(Argon2Parameters parameters, byte[] salt, byte[] hash) {}

    private static Optional<Parsed> parse(String encoded) {
        String[] parts = encoded.split("\\$");
        // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
        if (parts.length != 6 || !parts[1].equals("argon2id") || !parts[2].equals("v=19")) {
            return Optional.empty();
        }
        try {
            int m = 0;
            int t = 0;
            int p = 0;
            for (String kv : parts[3].split(",")) {
                String[] pair = kv.split("=", 2);
                int v = Integer.parseInt(pair[1]);
                switch (pair[0]) {
                    case "m" -> m = v;
                    case "t" -> t = v;
                    case "p" -> p = v;
                    default -> { return Optional.empty(); }
                }
            }
            byte[] salt = B64D.decode(parts[4]);
            byte[] hash = B64D.decode(parts[5]);
            // Argon2 itself refuses salts under 8 bytes; a tag under 16 bytes is not one this service made.
            if (salt.length < 8 || hash.length < 16 || hash.length > 64) {
                return Optional.empty();
            }
            return Optional.of(new Parsed(new Argon2Parameters(m, t, p), salt, hash));
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

    private byte[] derive(char[] password, byte[] salt, Argon2Parameters params, int length) {
        byte[] pw = toBytes(password);
        try {
            return engine.derive(pw, salt, params, length);
        } finally {
            java.util.Arrays.fill(pw, (byte) 0);
        }
    }

    private static byte[] toBytes(char[] password) {
        java.nio.ByteBuffer buf = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(password));
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        if (buf.hasArray()) {
            java.util.Arrays.fill(buf.array(), (byte) 0);
        }
        return bytes;
    }
}
