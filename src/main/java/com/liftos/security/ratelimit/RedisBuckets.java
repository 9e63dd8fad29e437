package com.liftos.security.ratelimit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Buckets in Redis: one {@code EVALSHA} of {@code token_bucket.lua} per decision, so the check-and-take over
 * all of a request's buckets is atomic across every instance sharing the Redis. One connection is shared by
 * all request threads; their commands are pipelined on it and flushed in groups ({@link #flush}). Time comes from the injected clock (instances
 * need synchronized clocks; a lagging one never refills an interval twice, see the script).
 *
 * <p>Failure mode: every Redis problem (not connected, timeout, error reply) becomes {@link Unavailable};
 * the caller decides what to do (fall back). Keys are {@code liftos:rl:v1:<key>:<capacity>/<window ms>}.
 */
final class RedisBuckets implements AutoCloseable {
    static final String KEY_PREFIX = "liftos:rl:v1:";
    private static final String SCRIPT = loadScript();

    private final RedisClient client;
    private final Clock clock;
    private final Duration timeout;
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile String sha;
    private final AtomicInteger unflushed = new AtomicInteger();

    RedisBuckets(URI url, Clock clock, Duration timeout) {
        this.client = RedisClient.create(RedisURI.create(url));
        this.client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder().connectTimeout(timeout.multipliedBy(4)).build())
                .build());
        this.clock = clock;
        this.timeout = timeout;
    }

    /** Connects if not connected yet; throws {@link Unavailable} when Redis cannot be reached. */
    synchronized void connect() {
        if (connection != null) {
            return;
        }
        try {
            StatefulRedisConnection<String, String> c = client.connect();
            sha = c.sync().scriptLoad(SCRIPT);
            // commands are flushed in batches by flush(): one write for everything queued meanwhile
            c.setAutoFlushCommands(false);
            connection = c;
        } catch (RuntimeException e) {
            throw new Unavailable(e);
        }
    }

    boolean connected() {
        StatefulRedisConnection<String, String> c = connection;
        return c != null && c.isOpen();
    }

    /** True when Redis answers PING within the timeout; throws {@link Unavailable} otherwise. */
    boolean ping() {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) {
            throw new Unavailable(null);
        }
        try {
            RedisFuture<String> pong = c.async().ping();
            flush(c);
            return "PONG".equals(pong.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable(e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new Unavailable(e);
        }
    }

    Decision acquire(List<Quota> quotas) {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) {
            throw new Unavailable(null);
        }
        String[] keys = new String[quotas.size()];
        String[] args = new String[1 + 2 * quotas.size()];
        args[0] = Long.toString(clock.millis());
        for (int i = 0; i < quotas.size(); i++) {
            Quota q = quotas.get(i);
            long windowMs = q.limit().window().toMillis();
            keys[i] = KEY_PREFIX + q.key() + ":" + q.limit().capacity() + "/" + windowMs;
            args[1 + 2 * i] = Long.toString(q.limit().capacity());
            args[2 + 2 * i] = Long.toString(windowMs);
        }
        List<Object> reply = run(c, keys, args);
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

    private List<Object> run(StatefulRedisConnection<String, String> c, String[] keys, String[] args) {
        RedisAsyncCommands<String, String> redis = c.async();
        try {
            try {
                RedisFuture<List<Object>> reply = redis.evalsha(sha, ScriptOutputType.MULTI, keys, args);
                flush(c);
                return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RedisNoScriptException)) {
                    throw e;
                }
                // Redis restarted or SCRIPT FLUSH: load it again, once
                RedisFuture<String> loaded = redis.scriptLoad(SCRIPT);
                flush(c);
                sha = loaded.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                RedisFuture<List<Object>> reply = redis.evalsha(sha, ScriptOutputType.MULTI, keys, args);
                flush(c);
                return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable(e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new Unavailable(e);
        }
    }

    /**
     * Group commit for commands: the thread that finds no flush pending becomes the leader, lets other request
     * threads queue their commands (one yield), then flushes them all in one write. Every command is queued
     * before its thread counts itself in, and the leader resets the count before flushing, so no command is
     * left unflushed. Under load this turns many small writes (and Redis reads) into one, like pipelining.
     */
    private void flush(StatefulRedisConnection<String, String> c) {
        if (unflushed.getAndIncrement() != 0) {
            return;
        }
        Thread.yield();
        unflushed.set(0);
        c.flushCommands();
    }

    @Override
    public void close() {
        StatefulRedisConnection<String, String> c = connection;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
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
