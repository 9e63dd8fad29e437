package com.liftos.security.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shared suite against the real Redis of {@code TEST_REDIS_URL}; skipped (by name) when it is unset. */
class RedisRateLimiterTest extends RateLimiterContract {
    static URI redisUrl;

    @BeforeAll
    static void needsRedis() {
        String url = System.getenv("TEST_REDIS_URL");
        assumeTrue(url != null && !url.isBlank(), "RedisRateLimiterTest skipped: TEST_REDIS_URL is not set");
        redisUrl = URI.create(url);
    }

    @Override
    protected RateLimiter create(Clock clock) {
        return RateLimits.redis(redisUrl, clock);
    }

    @Test
    void twoInstancesOnOneRedisTogetherAdmitExactlyTheLimit() {
        try (RateLimiter second = RateLimits.redis(redisUrl, clock)) {
            Quota q = quota("shared", 10, 60);
            int admitted = 0;
            for (int i = 0; i < 20; i++) {
                RateLimiter which = i % 2 == 0 ? limiter : second;
                if (which.acquire(List.of(q)) instanceof Decision.Allowed) {
                    admitted++;
                }
            }
            assertThat(admitted).isEqualTo(10);
        }
    }
}
