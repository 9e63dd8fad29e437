package com.liftos.security.auth.token;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.store.Db;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What stops tokens, as a stream local verifiers subscribe to (server-sent events), so that a service checking
 * access tokens against the JWKS refuses a revoked one within a second without calling introspection per request.
 *
 * <p><b>Source.</b> The revocation barrier's own notifications ({@link TokenState}, channel {@code liftos_auth},
 * V11's triggers), in commit order, whatever code path made the change: an ended or deleted session, a revoked
 * access token ({@code jti}), a service account that is no longer active.
 *
 * <p><b>Wire format</b> ({@code text/event-stream}): {@code event: session_ended} / {@code token_revoked} /
 * {@code service_account_disabled} with {@code data: {"id": "..."}}, each with an {@code id} {@code <epoch>:<seq>}
 * that is the resume position. {@code event: snapshot} carries everything that can still matter (revoked
 * {@code jti}s not yet expired, sessions ended within the access-token lifetime, inactive service accounts) and is
 * sent first when the subscriber gives no position, or one this instance cannot resume from (another instance,
 * a restart, a position older than the last {@value #RING} events). A comment line every {@link #HEARTBEAT}.
 *
 * <p><b>No gap.</b> A subscriber's position is taken before its snapshot is read, so a revocation is in the
 * snapshot or comes after it (possibly both: revocations are idempotent). When this instance's listener
 * reconnects (notifications may have been lost meanwhile), the epoch changes and every subscriber is sent a new
 * snapshot. Each subscriber is served by its own virtual thread; a slow one never delays the others, and one that
 * falls more than {@value #RING} events behind gets a snapshot instead.
 */
public final class RevocationFeed implements AutoCloseable {
    static final int RING = 65_536;
    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    /** A snapshot serves every subscriber arriving within this long (one query for a thundering herd). */
    private static final long SNAPSHOT_REUSE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Kinds of revocation, with their event names. */
    public enum Kind {
        SESSION_ENDED, TOKEN_REVOKED, SERVICE_ACCOUNT_DISABLED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One revocation: a session id, a {@code jti} or a service account id. */
    public record Revocation(Kind kind, String id) {}

    /** A resume position, {@code <epoch>:<seq>} on the wire ({@code id:} of each event, {@code Last-Event-ID}). */
    public record Position(UUID epoch, long seq) {
        public static Optional<Position> parse(String text) {
            int colon = text.indexOf(':');
            if (colon != 36 || text.length() > 60) {
                return Optional.empty();
            }
            try {
                long seq = Long.parseLong(text.substring(colon + 1));
                return seq < 0 ? Optional.empty() : Optional.of(new Position(UUID.fromString(text.substring(0, colon)), seq));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }

        @Override
        public String toString() {
            return epoch + ":" + seq;
        }
    }

    private record Snapshot(UUID epoch, long seq, long takenNanos, String data) {}

    private final Db db;
    private final Clock clock;
    private final Duration tokenLifetime;
    private final ObjectMapper json = new ObjectMapper();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Revocation[] ring = new Revocation[RING];
    private final ExecutorService subscribers = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicInteger connected = new AtomicInteger();
    private final Object snapshotLock = new Object();
    /** Guarded by {@link #lock}. */
    private UUID epoch = UUID.randomUUID();
    private long last;
    private boolean closed;
    /** Guarded by {@link #snapshotLock}. */
    private Snapshot snapshot;

    RevocationFeed(Db db, Clock clock, Duration tokenLifetime) {
        this.db = db;
        this.clock = clock;
        this.tokenLifetime = tokenLifetime;
    }

    /** How many subscribers are connected to this instance. */
    public int subscribers() {
        return connected.get();
    }

    /** Called by the listener thread, in commit order. */
    void publish(Revocation r) {
        lock.lock();
        try {
            last++;
            ring[(int) (last % RING)] = r;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The listener (re)connected: notifications may have been missed, every subscriber starts from a snapshot. */
    void restart() {
        lock.lock();
        try {
            epoch = UUID.randomUUID();
            last = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Streams to {@code out} on a virtual thread of the feed until the subscriber goes away or the feed closes; the
     * future completes then (normally: a client leaving is not an error).
     */
    public CompletableFuture<Void> subscribe(Optional<Position> after, OutputStream out) {
        return CompletableFuture.runAsync(() -> {
            connected.incrementAndGet();
            try {
                stream(after, out);
            } catch (IOException | UncheckedIOException e) {
                // the subscriber went away
            } finally {
                connected.decrementAndGet();
            }
        }, subscribers);
    }

    private void stream(Optional<Position> after, OutputStream out) throws IOException {
        UUID at;
        long cursor;
        boolean needSnapshot;
        lock.lock();
        try {
            at = epoch;
            cursor = last;
            needSnapshot = after.isEmpty() || !after.get().epoch().equals(epoch) || after.get().seq() > last
                    || after.get().seq() < last - RING + 1;
            if (!needSnapshot) {
                cursor = after.get().seq();
            }
        } finally {
            lock.unlock();
        }
        out.write("retry: 1000\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        StringBuilder sb = new StringBuilder(256);
        while (true) {
            if (needSnapshot) {
                Snapshot s = snapshot(at, cursor);
                cursor = s.seq();
                at = s.epoch();
                sb.setLength(0);
                sb.append("id: ").append(new Position(at, cursor)).append("\nevent: snapshot\ndata: ").append(s.data()).append("\n\n");
                out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
                out.flush();
                needSnapshot = false;
            }
            List<Revocation> batch = new ArrayList<>();
            long from = cursor;
            lock.lock();
            try {
                long waitNanos = HEARTBEAT.toNanos();
                while (!closed && epoch.equals(at) && last == cursor && waitNanos > 0) {
                    waitNanos = changed.awaitNanos(waitNanos);
                }
                if (closed) {
                    return;
                }
                if (!epoch.equals(at) || cursor < last - RING + 1) {
                    at = epoch;
                    cursor = last;
                    needSnapshot = true;
                    continue;
                }
                for (long s = cursor + 1; s <= last; s++) {
                    batch.add(ring[(int) (s % RING)]);
                }
                cursor = last;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
            sb.setLength(0);
            if (batch.isEmpty()) {
                sb.append(": keep-alive\n\n");
            }
            for (Revocation r : batch) {
                from++;
                sb.append("id: ").append(new Position(at, from)).append("\nevent: ").append(r.kind().wire())
                        .append("\ndata: {\"id\":").append(json.writeValueAsString(r.id())).append("}\n\n");
            }
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    /** A snapshot taken after position {@code seq} of {@code epoch} was fixed, or a recent one of the same epoch. */
    private Snapshot snapshot(UUID at, long seq) {
        synchronized (snapshotLock) {
            Snapshot s = snapshot;
            if (s != null && s.epoch().equals(at) && s.seq() <= seq && System.nanoTime() - s.takenNanos() < SNAPSHOT_REUSE_NANOS) {
                return s;
            }
            snapshot = new Snapshot(at, seq, System.nanoTime(), read());
            return snapshot;
        }
    }

    private String read() {
        Instant now = clock.instant();
        Map<String, Object> body = new LinkedHashMap<>();
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT jti FROM revoked_access_tokens WHERE expires_at > ?")) {
                ps.setTimestamp(1, Timestamp.from(now));
                body.put("revoked_jtis", strings(ps));
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT id::text FROM auth_sessions WHERE ended_at > ?")) {
                // A token outlives its session by at most its lifetime (plus the verifiers' 30 s of skew).
                ps.setTimestamp(1, Timestamp.from(now.minus(tokenLifetime).minusSeconds(60)));
                body.put("ended_sessions", strings(ps));
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT id::text FROM service_accounts WHERE status <> 'active'")) {
                body.put("disabled_service_accounts", strings(ps));
            }
            return null;
        });
        body.put("taken_at", now.toString());
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("snapshot not serializable", e);
        }
    }

    private static List<String> strings(PreparedStatement ps) throws java.sql.SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        subscribers.shutdown();
    }
}
