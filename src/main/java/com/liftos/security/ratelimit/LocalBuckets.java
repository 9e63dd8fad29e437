package com.liftos.security.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * In-process buckets (Bucket4j, lock-free). Idle buckets are swept once their window has passed: a bucket
 * untouched for a whole window is full again, which is the same as absent.
 */
final class LocalBuckets {
    private static final long SWEEP_EVERY_NANOS = Duration.ofSeconds(30).toNanos();
    private static final int SWEEP_WHEN_LARGER = 100_000;

    private final ConcurrentHashMap<Quota, Entry> buckets = new ConcurrentHashMap<>();
    private final TimeMeter time;
    private final AtomicLong nextSweep;

    LocalBuckets(Clock clock) {
        this.time = new ClockTimeMeter(clock);
        this.nextSweep = new AtomicLong(time.currentTimeNanos() + SWEEP_EVERY_NANOS);
    }

    Decision decide(List<Quota> quotas, BucketMode mode) {
        return switch (mode) {
            case TAKE -> acquire(quotas);
            case PEEK -> peek(quotas);
            case SPEND -> spend(quotas);
        };
    }

    private Decision peek(List<Quota> quotas) {
        long now = time.currentTimeNanos();
        maybeSweep(now);
        Decision tightest = null;
        for (Quota q : quotas) {
            Entry e = buckets.get(q);
            if (e == null) {
                // absent is full
                tightest = tighter(tightest, new Decision.Allowed(q, q.limit().capacity(), Duration.ZERO));
                continue;
            }
            EstimationProbe probe = e.bucket.estimateAbilityToConsume(1);
            Duration reset = untilFull(q, e.bucket.getAvailableTokens());
            if (!probe.canBeConsumed()) {
                return new Decision.Refused(q, Duration.ofNanos(probe.getNanosToWaitForRefill()), reset);
            }
            tightest = tighter(tightest, new Decision.Allowed(q, probe.getRemainingTokens(), reset));
        }
        return required(tightest);
    }

    private Decision spend(List<Quota> quotas) {
        long now = time.currentTimeNanos();
        maybeSweep(now);
        Decision tightest = null;
        for (Quota q : quotas) {
            Entry e = buckets.computeIfAbsent(q, this::newEntry);
            e.lastUsedNanos = now;
            e.bucket.tryConsumeAsMuchAsPossible(1);
            long left = e.bucket.getAvailableTokens();
            tightest = tighter(tightest, new Decision.Allowed(q, left, untilFull(q, left)));
        }
        return required(tightest);
    }

    private static Decision tighter(Decision current, Decision candidate) {
        return current == null || candidate.remaining() < current.remaining() ? candidate : current;
    }

    private static Decision required(Decision d) {
        if (d == null) {
            throw new IllegalArgumentException("at least one quota is needed");
        }
        return d;
    }

    private static Duration untilFull(Quota q, long available) {
        long missing = Math.max(0, q.limit().capacity() - available);
        return q.limit().window().multipliedBy(missing).dividedBy(q.limit().capacity());
    }

    private Decision acquire(List<Quota> quotas) {
        long now = time.currentTimeNanos();
        maybeSweep(now);
        Decision tightest = null;
        Entry[] taken = new Entry[quotas.size()];
        for (int i = 0; i < quotas.size(); i++) {
            Quota q = quotas.get(i);
            Entry e = buckets.computeIfAbsent(q, this::newEntry);
            e.lastUsedNanos = now;
            ConsumptionProbe probe = e.bucket.tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) {
                for (int j = 0; j < i; j++) {
                    taken[j].bucket.addTokens(1);
                }
                return new Decision.Refused(q, Duration.ofNanos(probe.getNanosToWaitForRefill()),
                        Duration.ofNanos(probe.getNanosToWaitForReset()));
            }
            taken[i] = e;
            if (tightest == null || probe.getRemainingTokens() < tightest.remaining()) {
                tightest = new Decision.Allowed(q, probe.getRemainingTokens(), Duration.ofNanos(probe.getNanosToWaitForReset()));
            }
        }
        if (tightest == null) {
            throw new IllegalArgumentException("at least one quota is needed");
        }
        return tightest;
    }

    int size() {
        return buckets.size();
    }

    private Entry newEntry(Quota q) {
        Bucket bucket = Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(q.limit().capacity()).refillGreedy(q.limit().capacity(), q.limit().window()).build())
                .withCustomTimePrecision(time)
                .build();
        return new Entry(bucket, q.limit().window().toNanos());
    }

    /**
     * Removes buckets idle for longer than their window (they are full again). A request racing the sweep may
     * draw from a bucket just removed; the cost is at most one extra admission for a key that was idle anyway.
     */
    private void maybeSweep(long now) {
        long due = nextSweep.get();
        if ((now < due && buckets.size() < SWEEP_WHEN_LARGER) || !nextSweep.compareAndSet(due, now + SWEEP_EVERY_NANOS)) {
            return;
        }
        buckets.entrySet().removeIf(e -> now - e.getValue().lastUsedNanos > e.getValue().windowNanos);
    }

    private static final class Entry {
        final Bucket bucket;
        final long windowNanos;
        volatile long lastUsedNanos;

        Entry(Bucket bucket, long windowNanos) {
            this.bucket = bucket;
            this.windowNanos = windowNanos;
        }
    }

    /** Bucket4j reads time through the injected clock, so tests can move it. */
    private record ClockTimeMeter(Clock clock) implements TimeMeter {
        @Override
        public long currentTimeNanos() {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }

        @Override
        public boolean isWallClockBased() {
            return true;
        }
    }
}
