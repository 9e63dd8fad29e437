package com.liftos.security.ratelimit;

import com.liftos.security.http.HealthCheck;
import java.time.Clock;
import java.util.List;

/** One instance's own buckets: used when no {@code REDIS_URL} is set. */
final class InProcessRateLimiter implements RateLimiter {
    private final LocalBuckets buckets;

    InProcessRateLimiter(Clock clock) {
        this.buckets = new LocalBuckets(clock);
    }

    @Override
    public Decision acquire(List<Quota> quotas) {
        return buckets.decide(quotas, BucketMode.TAKE);
    }

    @Override
    public Decision peek(List<Quota> quotas) {
        return buckets.decide(quotas, BucketMode.PEEK);
    }

    @Override
    public void spend(List<Quota> quotas) {
        buckets.decide(quotas, BucketMode.SPEND);
    }

    @Override
    public HealthCheck health() {
        return new HealthCheck() {
            @Override
            public String name() { return "rate_limit"; }

            @Override
            public boolean critical() { return false; }

            @Override
            public Status status() { return new Status(true, "up (in-process)"); }
        };
    }

    @Override
    public void close() {
        // nothing held outside the heap
    }
}
