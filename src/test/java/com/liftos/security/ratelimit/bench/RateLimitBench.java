package com.liftos.security.ratelimit.bench;

import com.liftos.security.ratelimit.Limit;
import com.liftos.security.ratelimit.Quota;
import com.liftos.security.ratelimit.RateLimiter;
import com.liftos.security.ratelimit.RateLimits;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Rate-limit decisions per second. {@code inProcess*}: one thread (= per core). {@code redis*}: 32 request
 * threads of one instance on pooled Jedis connections (how the server runs them), against
 * {@code BENCH_REDIS_URL} (default redis://127.0.0.1:6379). "Request" = the 3 buckets the guard draws per
 * authenticated request (ceiling, user, ip) in one decision.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RateLimitBench {
    private static final Limit ROOMY = new Limit(1_000_000_000L, Duration.ofHours(1));

    @State(Scope.Benchmark)
    public static class Keys {
        @Param({"1024"})
        int keys;
        List<Quota> single[];
        List<Quota> request[];

        @Setup
        @SuppressWarnings("unchecked")
        public void setUp() {
            String run = UUID.randomUUID().toString();
            single = new List[keys];
            request = new List[keys];
            for (int i = 0; i < keys; i++) {
                single[i] = List.of(new Quota("bench:" + run + ":u:" + i, ROOMY));
                request[i] = List.of(new Quota("bench:" + run + ":g:" + i, ROOMY), new Quota("bench:" + run + ":u:" + i, ROOMY),
                        new Quota("bench:" + run + ":i:" + i, ROOMY));
            }
        }
    }

    @State(Scope.Benchmark)
    public static class InProcess {
        RateLimiter limiter;

        @Setup(Level.Trial)
        public void setUp() {
            limiter = RateLimits.inProcess(Clock.systemUTC());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            limiter.close();
        }
    }

    @State(Scope.Benchmark)
    public static class Redis {
        RateLimiter limiter;

        @Setup(Level.Trial)
        public void setUp() {
            String url = System.getenv().getOrDefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379");
            limiter = RateLimits.redis(URI.create(url), Clock.systemUTC());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            limiter.close();
        }
    }

    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Benchmark
    @Threads(1)
    public Object inProcessSingleBucket(InProcess s, Keys k, Cursor c) {
        return s.limiter.acquire(k.single[c.next++ & (k.keys - 1)]);
    }

    @Benchmark
    @Threads(1)
    public Object inProcessRequest(InProcess s, Keys k, Cursor c) {
        return s.limiter.acquire(k.request[c.next++ & (k.keys - 1)]);
    }

    @Benchmark
    @Threads(32)
    public Object redisSingleBucket(Redis s, Keys k, Cursor c) {
        return s.limiter.acquire(k.single[c.next++ & (k.keys - 1)]);
    }

    @Benchmark
    @Threads(32)
    public Object redisRequest(Redis s, Keys k, Cursor c) {
        return s.limiter.acquire(k.request[c.next++ & (k.keys - 1)]);
    }
}
