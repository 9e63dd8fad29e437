package com.liftos.security.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis going away and coming back, with a real redis-server of our own on a free port (so stopping it does
 * not disturb other tests). Skipped, by name, when TEST_REDIS_URL is unset or redis-server is not installed.
 */
class RedisFallbackTest {
    private Process redis;
    private int port;

    @BeforeAll
    static void needsRedis() {
        String url = System.getenv("TEST_REDIS_URL");
        assumeTrue(url != null && !url.isBlank(), "RedisFallbackTest skipped: TEST_REDIS_URL is not set");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/redis-server")) || Files.isExecutable(Path.of("/usr/local/bin/redis-server")),
                "RedisFallbackTest skipped: redis-server is not installed");
    }

    @AfterEach
    void stop() throws Exception {
        stopRedis();
    }

    @Test
    void keepsAnsweringWithLocalLimitsWhileRedisIsDownAndRecovers() throws Exception {
        port = freePort();
        startRedis();
        Clock clock = Clock.systemUTC();
        try (RateLimiter limiter = RateLimits.redis(URI.create("redis://127.0.0.1:" + port), clock);
             RateLimiter other = RateLimits.redis(URI.create("redis://127.0.0.1:" + port), clock)) {
            Quota q = new Quota("fallback:" + UUID.randomUUID(), Limit.perSeconds(3, 3600));
            assertThat(limiter.acquire(List.of(q))).isInstanceOf(Decision.Allowed.class);
            assertThat(limiter.health().status().up()).isTrue();

            stopRedis();
            long start = System.nanoTime();
            Decision local = limiter.acquire(List.of(q));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(local).isInstanceOf(Decision.Allowed.class);
            assertThat(limiter.health().status().up()).isFalse();
            assertThat(limiter.health().status().detail()).contains("degraded");
            // the fallback still limits: 3 per hour, locally
            assertThat(limiter.acquire(List.of(q))).isInstanceOf(Decision.Allowed.class);
            assertThat(limiter.acquire(List.of(q))).isInstanceOf(Decision.Allowed.class);
            assertThat(limiter.acquire(List.of(q))).isInstanceOf(Decision.Refused.class);

            startRedis();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            Quota shared = new Quota("recovered:" + UUID.randomUUID(), Limit.perSeconds(1, 3600));
            boolean sharedAgain = false;
            while (System.nanoTime() < deadline && !sharedAgain) {
                Thread.sleep(200);
                limiter.acquire(List.of(new Quota("probe:" + UUID.randomUUID(), Limit.perSeconds(1, 60))));
                sharedAgain = limiter.health().status().up();
            }
            assertThat(sharedAgain).as("health back to up after Redis restart").isTrue();
            assertThat(limiter.acquire(List.of(shared))).isInstanceOf(Decision.Allowed.class);
            // the other instance draws from the same bucket again: the shared budget is restored
            while (System.nanoTime() < deadline && !other.health().status().up()) {
                Thread.sleep(200);
            }
            assertThat(other.acquire(List.of(shared))).isInstanceOf(Decision.Refused.class);
        }
    }

    @Test
    void startsDegradedWhenRedisIsUnreachable() throws Exception {
        port = freePort();
        try (RateLimiter limiter = RateLimits.redis(URI.create("redis://127.0.0.1:" + port), Clock.systemUTC())) {
            Quota q = new Quota("down:" + UUID.randomUUID(), Limit.perSeconds(1, 60));
            assertThat(limiter.acquire(List.of(q))).isInstanceOf(Decision.Allowed.class);
            assertThat(limiter.acquire(List.of(q))).isInstanceOf(Decision.Refused.class);
            assertThat(limiter.health().status().detail()).contains("degraded");
        }
    }

    private void startRedis() throws IOException, InterruptedException {
        redis = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("redis-server did not start");
    }

    private void stopRedis() throws InterruptedException {
        if (redis != null) {
            redis.destroy();
            redis.waitFor(10, TimeUnit.SECONDS);
            redis = null;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
