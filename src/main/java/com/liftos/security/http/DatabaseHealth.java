package com.liftos.security.http;

import com.liftos.security.store.Database;
import java.util.concurrent.atomic.AtomicReference;

/** Database reachability for /health, probed at most once a second so health checks cost no round trip each. */
public final class DatabaseHealth implements HealthCheck {
    private static final long PROBE_INTERVAL_NANOS = 1_000_000_000L;

    private final Database database;
    private final AtomicReference<Probe> last = new AtomicReference<>(new Probe(Long.MIN_VALUE, false));

    private record Probe(long atNanos, boolean up) {}

    public DatabaseHealth(Database database) {
        this.database = database;
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
        long now = System.nanoTime();
        Probe p = last.get();
        if (p.atNanos == Long.MIN_VALUE || now - p.atNanos > PROBE_INTERVAL_NANOS) {
            Probe fresh = new Probe(now, database.isReachable());
            last.set(fresh);
            p = fresh;
        }
        return new Status(p.up, p.up ? "up" : "down");
    }
}
