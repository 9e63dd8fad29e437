package com.liftos.security.ratelimit;

import com.liftos.security.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every rate-limit backend must have; each backend's test extends this with its own factory. */
abstract class RateLimiterContract {
    protected MutableClock clock;
    protected RateLimiter limiter;
    /** Keys are unique per test so a shared Redis never mixes runs. */
    protected String prefix;

    protected abstract RateLimiter create(Clock clock);

    @BeforeEach
    void setUp() {
        clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z").plusMillis(System.nanoTime() % 1000 * 1000));
        limiter = create(clock);
        prefix = UUID.randomUUID() + ":";
    }

    @AfterEach
    void tearDown() {
        limiter.close();
    }

    Quota quota(String name, long capacity, long windowSeconds) {
        return new Quota(prefix + name, Limit.perSeconds(capacity, windowSeconds));
    }

    @Test
    void peekDecidesLikeAcquireButTakesNothingAndSpendCountsWithoutRefusing() {
        Quota failures = quota("failures", 3, 300);
        Quota other = quota("other", 100, 300);
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.peek(List.of(failures, other))).isInstanceOf(Decision.Allowed.class);
        }
        // three failures spend the budget; a fourth spend is not refused and takes nothing more
        for (int i = 0; i < 4; i++) {
            limiter.spend(List.of(failures, other));
        }
        Decision refused = limiter.peek(List.of(other, failures));
        assertThat(refused).isInstanceOf(Decision.Refused.class);
        assertThat(refused.quota()).isEqualTo(failures);
        assertThat(((Decision.Refused) refused).retryAfter()).isEqualTo(Duration.ofSeconds(100));
        // the other bucket lost exactly the four spends, nothing to the peeks
        Decision otherLeft = limiter.acquire(List.of(other));
        assertThat(otherLeft.remaining()).isEqualTo(100 - 4 - 1);
        // refill: one failure's worth after 100 s, peek allows again
        clock.advance(Duration.ofSeconds(100));
        assertThat(limiter.peek(List.of(failures))).isInstanceOf(Decision.Allowed.class);
        limiter.spend(List.of(failures));
        assertThat(limiter.peek(List.of(failures))).isInstanceOf(Decision.Refused.class);
    }

    @Test
    void admitsExactlyTheCapacityThenRefusesWithRetryAfter() {
        Quota q = quota("login", 5, 300);
        for (int i = 4; i >= 0; i--) {
            Decision d = limiter.acquire(List.of(q));
            assertThat(d).isInstanceOf(Decision.Allowed.class);
            assertThat(d.remaining()).isEqualTo(i);
            assertThat(d.quota()).isEqualTo(q);
        }
        Decision refused = limiter.acquire(List.of(q));
        assertThat(refused).isInstanceOf(Decision.Refused.class);
        // greedy refill: one token every 300 s / 5 = 60 s
        assertThat(((Decision.Refused) refused).retryAfter()).isEqualTo(Duration.ofSeconds(60));
        assertThat(refused.resetAfter()).isEqualTo(Duration.ofSeconds(300));
    }

    @Test
    void refillsOneTokenPerWindowOverCapacity() {
        Quota q = quota("api", 5, 300);
        for (int i = 0; i < 5; i++) {
            limiter.acquire(List.of(q));
        }
        clock.advance(Duration.ofSeconds(59));
        assertThat(limiter.acquire(List.of(q))).isInstanceOf(Decision.Refused.class);
        assertThat(((Decision.Refused) limiter.acquire(List.of(q))).retryAfter()).isEqualTo(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.acquire(List.of(q))).isInstanceOf(Decision.Allowed.class);
        assertThat(limiter.acquire(List.of(q))).isInstanceOf(Decision.Refused.class);
        clock.advance(Duration.ofSeconds(300));
        Decision full = limiter.acquire(List.of(q));
        assertThat(full.remaining()).isEqualTo(4);
    }

    @Test
    void keysAreIndependent() {
        Quota a = quota("a", 1, 60);
        Quota b = quota("b", 1, 60);
        assertThat(limiter.acquire(List.of(a))).isInstanceOf(Decision.Allowed.class);
        assertThat(limiter.acquire(List.of(a))).isInstanceOf(Decision.Refused.class);
        assertThat(limiter.acquire(List.of(b))).isInstanceOf(Decision.Allowed.class);
    }

    @Test
    void aChangedLimitIsADifferentBucket() {
        Quota small = quota("k", 1, 60);
        Quota larger = new Quota(small.key(), Limit.perSeconds(3, 60));
        limiter.acquire(List.of(small));
        assertThat(limiter.acquire(List.of(small))).isInstanceOf(Decision.Refused.class);
        assertThat(limiter.acquire(List.of(larger)).remaining()).isEqualTo(2);
    }

    @Test
    void aRefusalTakesNothingFromTheOtherBuckets() {
        Quota roomy = quota("ip", 10, 60);
        Quota tight = quota("user", 1, 60);
        limiter.acquire(List.of(tight));
        for (int i = 0; i < 5; i++) {
            Decision d = limiter.acquire(List.of(roomy, tight));
            assertThat(d).isInstanceOf(Decision.Refused.class);
            assertThat(d.quota()).isEqualTo(tight);
        }
        assertThat(limiter.acquire(List.of(roomy)).remaining()).isEqualTo(9);
    }

    @Test
    void reportsTheTightestBucketWhenAllowed() {
        Quota roomy = quota("ip", 100, 60);
        Quota tight = quota("user", 3, 60);
        Decision d = limiter.acquire(List.of(roomy, tight));
        assertThat(d.quota()).isEqualTo(tight);
        assertThat(d.remaining()).isEqualTo(2);
        assertThat(d.resetAfter()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void aClockGoingBackwardsNeverRefills() {
        Quota q = quota("skew", 2, 60);
        limiter.acquire(List.of(q));
        limiter.acquire(List.of(q));
        clock.advance(Duration.ofSeconds(-30));
        assertThat(limiter.acquire(List.of(q))).isInstanceOf(Decision.Refused.class);
    }

    @Test
    void concurrentCallersTogetherGetExactlyTheCapacity() throws Exception {
        Quota q = quota("race", 50, 3600);
        AtomicInteger admitted = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                all.add(pool.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        if (limiter.acquire(List.of(q)) instanceof Decision.Allowed) {
                            admitted.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        }
        assertThat(admitted.get()).isEqualTo(50);
    }

    @Test
    void healthIsReportedAndNeverCritical() {
        assertThat(limiter.health().name()).isEqualTo("rate_limit");
        assertThat(limiter.health().critical()).isFalse();
        assertThat(limiter.health().status().up()).isTrue();
    }
}
