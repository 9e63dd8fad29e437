package com.liftos.security.ratelimit;

import com.liftos.security.http.HealthCheck;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shared buckets in Redis, with an in-process fallback: while Redis cannot answer, each instance enforces the
 * same limits on its own (so N instances admit up to N times the limit: the cost of staying available), logs
 * the outage once, and reports {@code degraded} in {@code /health}. While down, at most one request per
 * {@link #RETRY_EVERY} tries Redis again; a background task reconnects when no connection exists. The first
 * answer from Redis switches back (buckets start again from Redis's state).
 */
final class RedisRateLimiter implements RateLimiter {
    private static final Logger LOG = LoggerFactory.getLogger(RedisRateLimiter.class);
    static final Duration RETRY_EVERY = Duration.ofSeconds(1);

    private final RedisBuckets redis;
    private final LocalBuckets fallback;
    private final ScheduledExecutorService reconnector;
    private final AtomicLong retryAtNanos = new AtomicLong(Long.MIN_VALUE);
    private volatile boolean down;

    RedisRateLimiter(URI url, Clock clock, Duration timeout) {
        this.redis = new RedisBuckets(url, clock, timeout);
        this.fallback = new LocalBuckets(clock);
        this.reconnector = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("redis-reconnect").factory());
        try {
            redis.connect();
            LOG.info("rate limiting: shared buckets in Redis");
        } catch (RedisBuckets.Unavailable e) {
            markDown(e);
        }
        reconnector.scheduleWithFixedDelay(this::reconnect, 2, 2, TimeUnit.SECONDS);
    }

    @Override
    public Decision acquire(List<Quota> quotas) {
        return decide(quotas, BucketMode.TAKE);
    }

    @Override
    public Decision peek(List<Quota> quotas) {
        return decide(quotas, BucketMode.PEEK);
    }

    @Override
    public void spend(List<Quota> quotas) {
        decide(quotas, BucketMode.SPEND);
    }

    private Decision decide(List<Quota> quotas, BucketMode mode) {
        if (down && !retryDue()) {
            return fallback.decide(quotas, mode);
        }
        try {
            Decision d = redis.acquire(quotas, mode);
            if (down) {
                down = false;
                LOG.info("rate limiting: Redis reachable again; shared limits restored");
            }
            return d;
        } catch (RedisBuckets.Unavailable e) {
            markDown(e);
            return fallback.decide(quotas, mode);
        }
    }

    private boolean retryDue() {
        long now = System.nanoTime();
        long due = retryAtNanos.get();
        return now - due >= 0 && retryAtNanos.compareAndSet(due, now + RETRY_EVERY.toNanos());
    }

    private void markDown(RedisBuckets.Unavailable e) {
        retryAtNanos.set(System.nanoTime() + RETRY_EVERY.toNanos());
        if (!down) {
            down = true;
            LOG.warn("rate limiting: Redis unreachable ({}); enforcing limits in-process until it is back", e.reason());
        }
    }

    /** Background: reconnects when there is no connection, and notices recovery even without traffic. */
    private void reconnect() {
        try {
            redis.connect();
            if (down && redis.ping()) {
                down = false;
                LOG.info("rate limiting: Redis reachable again; shared limits restored");
            }
        } catch (RedisBuckets.Unavailable e) {
            markDown(e);
        }
    }

    boolean degraded() {
        return down;
    }

    @Override
    public HealthCheck health() {
        return new HealthCheck() {
            @Override
            public String name() { return "rate_limit"; }

            @Override
            public boolean critical() { return false; }

            @Override
            public Status status() {
                return down || !redis.connected() ? new Status(false, "degraded (redis unreachable, local fallback limits)") : new Status(true, "up (redis)");
            }
        };
    }

    @Override
    public void close() {
        reconnector.shutdownNow();
        redis.close();
    }
}
