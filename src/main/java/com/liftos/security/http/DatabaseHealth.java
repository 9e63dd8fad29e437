package com.liftos.security.http;

import com.liftos.security.store.Database;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Database reachability for /health: probed once a second on a thread of its own, so a health check reads the
 * latest answer and never waits (while the database is gone, a connection attempt waits out the pool's whole
 * connection timeout, 5 s, longer than a readiness probe's). A probe still unanswered after a second counts as
 * down.
 */
public final class DatabaseHealth implements HealthCheck, AutoCloseable {
    private static final long PROBE_INTERVAL_MILLIS = 1_000;
    private static final long PROBE_OVERDUE_NANOS = 1_000_000_000L;

    private final Database database;
    /** The service reached the database just before it started serving (migrations, keys). */
    private final AtomicBoolean up = new AtomicBoolean(true);
    /** When the probe in flight started; 0 when none is. */
    private final AtomicLong probeStartedAt = new AtomicLong();
    private final ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "liftos-health-probe");
        t.setDaemon(true);
        return t;
    });

    public DatabaseHealth(Database database) {
        this.database = database;
        prober.scheduleWithFixedDelay(this::probe, PROBE_INTERVAL_MILLIS, PROBE_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void probe() {
        probeStartedAt.set(System.nanoTime());
        try {
            up.set(database.isReachable());
        } finally {
            probeStartedAt.set(0);
        }
    }

    @Override
    public String name() {
        return "database";
    }

    @Override
    public boolean critical() {
        return true;
    }

    @Override
    public Status status() {
        long started = probeStartedAt.get();
        boolean reachable = up.get() && (started == 0 || System.nanoTime() - started <= PROBE_OVERDUE_NANOS);
        return new Status(reachable, reachable ? "up" : "down");
    }

    @Override
    public void close() {
        prober.shutdownNow();
    }
}
