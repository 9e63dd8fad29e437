package com.liftos.security.auth.password;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Bounds how many Argon2 computations run at once, so a login flood costs queueing time, not memory: each
 * computation holds {@code memoryKiB} of heap. Callers past the bound wait up to {@code maxWait}, then get
 * {@link Busy} (answered 503 with Retry-After).
 */
public final class HashingGate {
    private final Semaphore permits;
    private final int size;
    private final Duration maxWait;

    public HashingGate(int size, Duration maxWait) {
        if (size < 1) {
            throw new IllegalArgumentException("hashing concurrency must be at least 1");
        }
        this.permits = new Semaphore(size, true);
        this.size = size;
        this.maxWait = maxWait;
    }

    /**
     * A bound from the heap: a quarter of the maximum heap in concurrent hashes, at most one per core. Hashing is
     * pure CPU and memory bandwidth, so more hashes than cores only share the cores and thrash the caches (at
     * Keycloak's parameters on two cores: 71 logins/s with two at once, 67/s with four).
     */
    public static int fromHeap(int memoryKiB) {
        long perHash = (long) memoryKiB * 1024;
        long fit = Runtime.getRuntime().maxMemory() / 4 / perHash;
        return (int) Math.max(1, Math.min(fit, Runtime.getRuntime().availableProcessors()));
    }

    public int size() {
        return size;
    }

    public <T> T run(Supplier<T> work) {
        boolean acquired;
        try {
            acquired = permits.tryAcquire(maxWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Busy();
        }
        if (!acquired) {
            throw new Busy();
        }
        try {
            return work.get();
        } finally {
            permits.release();
        }
    }

    /** Too many password hashes are queued. */
    public static final class Busy extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Busy() {
            super("password hashing is saturated", null, false, false);
        }
    }
}
