package com.liftos.security.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A {@code redis-server} a fault test owns (never the machine's shared one): a child process on a fixed free port,
 * nothing persisted, which the test may {@link #stop()} and {@link #start()} again on the same port.
 */
public final class OwnRedis implements AutoCloseable {
    static final Path SERVER = Path.of("/usr/bin/redis-server");
    private final int port;
    private Process process;

    private OwnRedis(int port) {
        this.port = port;
    }

    /** Starts a server on a free port; an assumption failure when this host has no {@code redis-server}. */
    public static OwnRedis launch() {
        Assumptions.assumeTrue(Files.isExecutable(SERVER), "no " + SERVER + " on this host: the Redis fault test needs one");
        OwnRedis redis = new OwnRedis(OwnPostgres.freePort());
        redis.start();
        return redis;
    }

    public synchronized void start() {
        if (process != null) {
            return;
        }
        try {
            process = new ProcessBuilder(SERVER.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        throw new IllegalStateException("redis-server did not listen on " + port);
    }

    /** Stops the server (SIGTERM, then SIGKILL) and waits until it is gone. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        stop();
    }
}
