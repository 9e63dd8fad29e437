package com.liftos.security.ratelimit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Buckets in Redis: one {@code EVALSHA} of {@code token_bucket.lua} per decision, so the check-and-take over
 * all of a request's buckets is atomic across every instance sharing the Redis. Each request thread talks to
 * Redis itself over a pooled blocking connection: the round trip wakes only that thread, where one shared
 * asynchronous connection wakes its event loop and then the request thread: twice the context
 * switches on every decision. Time comes from the injected clock (instances need synchronized clocks; a lagging
 * one never refills an interval twice, see the script).
 *
 * <p>Failure mode: every Redis problem (unreachable, timeout, error reply, no free connection) becomes
 * {@link Unavailable}; the caller decides what to do (fall back). Keys are
 * {@code liftos:rl:v1:<key>:<capacity>/<window ms>}.
 */
final class RedisBuckets implements AutoCloseable {
    static final String KEY_PREFIX = "liftos:rl:v1:";
    /** At least the HTTP server's threads, so a request never waits for a connection rather than for Redis. */
    private static final int MAX_CONNECTIONS = 256;
    private static final String SCRIPT = loadScript();

    private final JedisPool pool;
    private final Clock clock;
    private volatile String sha;

    RedisBuckets(URI url, Clock clock, Duration timeout) {
        JedisPoolConfig config = new JedisPoolConfig();
        config.setMaxTotal(MAX_CONNECTIONS);
        config.setMaxIdle(MAX_CONNECTIONS);
        config.setMinIdle(0);
        config.setMaxWait(timeout);
        config.setJmxEnabled(false);
        this.pool = new JedisPool(config, url, (int) timeout.multipliedBy(4).toMillis(), (int) timeout.toMillis());
        this.clock = clock;
    }

    /** Loads the script if not loaded yet; throws {@link Unavailable} when Redis cannot be reached. */
    void connect() {
        if (sha != null) {
            return;
        }
        try (Jedis redis = pool.getResource()) {
            sha = redis.scriptLoad(SCRIPT);
        } catch (JedisException e) {
            throw new Unavailable(e);
        }
    }

    boolean connected() {
        return sha != null;
    }

    /** True when Redis answers PING within the timeout; throws {@link Unavailable} otherwise. */
    boolean ping() {
        pool.clear();
        try (Jedis redis = pool.getResource()) {
            return "PONG".equals(redis.ping());
        } catch (JedisException e) {
            throw new Unavailable(e);
        }
    }

    Decision acquire(List<Quota> quotas, BucketMode mode) {
        String loaded = sha;
        if (loaded == null) {
            throw new Unavailable(null);
        }
        // EVALSHA's parameters: the keys, then the clock, then capacity and window per key, then the mode
        String[] params = new String[quotas.size() * 3 + 2];
        int n = quotas.size();
        params[n] = Long.toString(clock.millis());
        for (int i = 0; i < n; i++) {
            Quota q = quotas.get(i);
            long windowMs = q.limit().window().toMillis();
            params[i] = KEY_PREFIX + q.key() + ":" + q.limit().capacity() + "/" + windowMs;
            params[n + 1 + 2 * i] = Long.toString(q.limit().capacity());
            params[n + 2 + 2 * i] = Long.toString(windowMs);
        }
        params[3 * n + 1] = mode.name().toLowerCase(java.util.Locale.ROOT);
        List<?> reply = run(loaded, n, params);
        if (reply == null || reply.size() != 5) {
            throw new Unavailable(null);
        }
        boolean allowed = ((Long) reply.get(0)) == 1L;
        Quota reported = quotas.get((int) (((Long) reply.get(1)) - 1));
        Duration reset = Duration.ofMillis((Long) reply.get(3));
        if (allowed) {
            return new Decision.Allowed(reported, (Long) reply.get(2), reset);
        }
        return new Decision.Refused(reported, Duration.ofMillis((Long) reply.get(4)), reset);
    }

    private List<?> run(String loaded, int keyCount, String[] params) {
        try {
            return evalsha(loaded, keyCount, params);
        } catch (JedisConnectionException e) {
            // The pooled connections may predate a Redis restart: drop the idle ones and try once more on a new one.
            pool.clear();
            try {
                return evalsha(loaded, keyCount, params);
            } catch (JedisException | ClassCastException again) {
                throw new Unavailable(again);
            }
        } catch (JedisException | ClassCastException e) {
            throw new Unavailable(e);
        }
    }

    private List<?> evalsha(String loaded, int keyCount, String[] params) {
        try (Jedis redis = pool.getResource()) {
            Object reply;
            try {
                reply = redis.evalsha(loaded, keyCount, params);
            } catch (JedisNoScriptException e) {
                // Redis restarted or SCRIPT FLUSH: load it again, once
                sha = redis.scriptLoad(SCRIPT);
                reply = redis.evalsha(sha, keyCount, params);
            }
            return reply instanceof List<?> list ? list : null;
        }
    }

    @Override
    public void close() {
        pool.close();
    }

    private static String loadScript() {
        try (InputStream in = RedisBuckets.class.getResourceAsStream("token_bucket.lua")) {
            if (in == null) {
                throw new IllegalStateException("token_bucket.lua missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Redis could not answer; {@link #getCause()} says why (never contains request data). */
    static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(Throwable cause) {
            super("redis unavailable", cause, false, false);
        }

        String reason() {
            return getCause() == null ? "not connected" : getCause().getClass().getSimpleName();
        }
    }
}
