package com.liftos.security.auth.password;

/** Argon2id cost: memory in KiB, iterations, lanes. The seed's default is 64 MiB, 3 iterations, 1 lane. */
public record Argon2Parameters(int memoryKiB, int iterations, int parallelism) {
    public static final Argon2Parameters SEED_DEFAULT = new Argon2Parameters(65_536, 3, 1);

    public Argon2Parameters {
        if (memoryKiB < 8 * parallelism || iterations < 1 || parallelism < 1) {
            throw new IllegalArgumentException("invalid Argon2 parameters");
        }
    }
}
