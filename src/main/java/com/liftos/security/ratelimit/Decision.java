package com.liftos.security.ratelimit;

import java.time.Duration;

/**
 * The outcome of {@link RateLimiter#acquire}: what {@code X-RateLimit-*} and {@code Retry-After} need.
 * {@link #quota()} is the bucket reported: the tightest one when allowed, the refusing one otherwise.
 */
public sealed interface Decision {
    Quota quota();

    /** Tokens left in the reported bucket after this request. */
    long remaining();

    /** Until the reported bucket is full again. */
    Duration resetAfter();

    record Allowed(Quota quota, long remaining, Duration resetAfter) implements Decision {}

    /** Nothing was consumed from any bucket; {@code retryAfter} is when the refusing bucket has a token again. */
    record Refused(Quota quota, Duration retryAfter, Duration resetAfter) implements Decision {
        @Override
        public long remaining() {
            return 0;
        }
    }
}
