package com.liftos.security.ratelimit;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.config.Cidr;
import com.liftos.security.http.Guard;
import com.liftos.security.org.SecurityConfig;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/** The rate-limit feature's entry point: build a {@link RateLimiter} and the gate's {@link Guard} over it. */
public final class RateLimits {
    /** Longest a request waits on Redis before the local fallback takes over. */
    public static final Duration REDIS_TIMEOUT = Duration.ofMillis(250);

    private static final java.util.HexFormat HEX = java.util.HexFormat.of();

    private RateLimits() {}

    /** The counted identity of an address: IPv4 as is, IPv6 by its /64 (the rest is the client's to choose). */
    public static String addressKey(String address) {
        return Cidr.literal(address).map(b -> b.length == 16 ? HEX.formatHex(b, 0, 8) + "::/64" : address).orElse(address);
    }

    /** Shared buckets in Redis (with a local fallback while it is unreachable) when a URL is given; else in-process. */
    public static RateLimiter create(Optional<URI> redisUrl, Clock clock) {
        return redisUrl.<RateLimiter>map(url -> new RedisRateLimiter(url, clock, REDIS_TIMEOUT))
                .orElseGet(() -> new InProcessRateLimiter(clock));
    }

    public static RateLimiter inProcess(Clock clock) {
        return new InProcessRateLimiter(clock);
    }

    public static RateLimiter redis(URI url, Clock clock) {
        return new RedisRateLimiter(url, clock, REDIS_TIMEOUT);
    }

    /**
     * The gate step: per-user and per-IP buckets with the org's limits for the route's category plus a global
     * per-IP ceiling. Install it after authentication.
     */
    public static Guard guard(RateLimiter limiter, Function<UUID, SecurityConfig> orgConfigs, AuditLog audit, Clock clock,
                              int ipRequestsPerHour) {
        return new RateLimitGuard(limiter, orgConfigs, audit, clock, ipRequestsPerHour);
    }
}
