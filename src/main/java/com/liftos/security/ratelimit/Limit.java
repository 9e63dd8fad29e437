package com.liftos.security.ratelimit;

import java.time.Duration;

/**
 * {@code capacity} requests per {@code window}: a token bucket holding {@code capacity} tokens that refills
 * greedily (continuously) at {@code capacity / window}. A burst of {@code capacity} is admitted at once; after
 * that one more request every {@code window / capacity}.
 */
public record Limit(long capacity, Duration window) {
    public Limit {
        if (capacity < 1 || capacity > 1_000_000_000L) {
            throw new IllegalArgumentException("capacity must be between 1 and 1e9");
        }
        if (window.toMillis() < 1 || window.toDays() > 1 || window.toNanosPart() % 1_000_000 != 0) {
            throw new IllegalArgumentException("window must be whole milliseconds between 1 ms and 1 day");
        }
        if (capacity * window.toMillis() > (1L << 53)) {
            // the Redis script keeps capacity x window exactly in a Lua double
            throw new IllegalArgumentException("capacity x window (ms) must stay below 2^53");
        }
    }

    public static Limit perSeconds(long capacity, long seconds) {
        return new Limit(capacity, Duration.ofSeconds(seconds));
    }
}
