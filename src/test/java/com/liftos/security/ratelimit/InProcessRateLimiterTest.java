package com.liftos.security.ratelimit;

import java.time.Clock;

class InProcessRateLimiterTest extends RateLimiterContract {
    @Override
    protected RateLimiter create(Clock clock) {
        return RateLimits.inProcess(clock);
    }
}
