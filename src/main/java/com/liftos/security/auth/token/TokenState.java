package com.liftos.security.auth.token;

import com.liftos.security.store.Db;
import com.liftos.security.store.Purge;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a verified access token is still honoured: its {@code jti} not revoked, and its session alive (not
 * ended, not idle past its timeout, not past its absolute expiry) or its service account active.
 *
 * <p><b>How it stays fast and exact across instances.</b> Each instance keeps an in-memory view (live sessions,
 * ended sessions as tombstones, every unexpired revoked {@code jti}, service-account states), filled from the
 * database on first sight. Database triggers announce every change that stops a token on channel
 * {@code liftos_auth} (V11), whatever code path made it; a listener thread applies them in commit order. After a
 * revoking transaction commits, {@code propagate()} sends a barrier on the same channel and waits until every live
 * instance has acknowledged it — since notifications arrive in commit order, an acknowledgement proves the
 * instance has applied the revocation. So when a logout, session end or revocation returns, no instance accepts
 * the token any more. While an instance's listener is not healthy (not connected, or its loop has not turned for
 * {@value #STALE_AFTER_MS} ms) it answers every check from the database instead, which is slower but exact.
 * Cost: one LISTEN connection and one heartbeat row per instance; a revocation waits for one round trip to each.
 */
public final class TokenState implements AutoCloseable {
    static final String CHANNEL = "liftos_auth";
    static final long STALE_AFTER_MS = 3_000;
    private static final Logger LOG = LoggerFactory.getLogger(TokenState.class);
    private static final Duration PEER_ALIVE = Duration.ofSeconds(6);
    private static final long BARRIER_WAIT_MS = 2_000;
    private static final Duration BARRIER_WAIT = Duration.ofMillis(BARRIER_WAIT_MS);
    private static final int MAX_SESSIONS_CACHED = 200_000;
    /** A live session's last-seen time is written at most this often. */
    private static final Duration TOUCH_EVERY = Duration.ofSeconds(60);

    /** A session as cached: a tombstone when ended (ended sessions never come back). */
    private record Entry(UUID userId, boolean ended, Instant lastSeen, int idleSeconds, Instant expiresAt) {
        static final Entry ENDED = new Entry(new UUID(0, 0), true, Instant.EPOCH, 0, Instant.EPOCH);

        boolean idleAt(Instant now) {
            return !now.isBefore(lastSeen.plusSeconds(idleSeconds));
        }
    }

    private final Db db;
    private final Clock clock;
    private final UUID instanceId = UUID.randomUUID();
    private final Map<UUID, Entry> sessions = new ConcurrentHashMap<>();
    private final Map<String, Instant> revokedJtis = new ConcurrentHashMap<>();
    private final Map<UUID, Boolean> serviceAccounts = new ConcurrentHashMap<>();
    private final AtomicLong serviceAccountGeneration = new AtomicLong();
    private final Map<Long, Barrier> barriers = new ConcurrentHashMap<>();
    private final AtomicLong barrierSeq = new AtomicLong();
    private final Thread listener;
    private volatile boolean trusted;
    private volatile long lastLoopNanos;
    private volatile boolean closed;
    private volatile String schema = "";

    private record Barrier(Set<UUID> pending, CountDownLatch done) {}

    private final RevocationFeed feed;

    /** {@code tokenLifetime}: how long an access token lives (how far back the revocation feed's snapshot reaches). */
    public TokenState(Db db, Clock clock, Duration tokenLifetime) {
        this.db = db;
        this.clock = clock;
        this.feed = new RevocationFeed(db, clock, tokenLifetime);
        this.listener = Thread.ofPlatform().daemon().name("liftos-auth-revocations").unstarted(this::listen);
        listener.start();
    }

    /**
     * Retention of the revocation tables, for {@code store.Housekeeping}: a revoked {@code jti} is needed until its
     * token expires, an instance's heartbeat row until it stopped beating (a killed instance leaves its row); a day
     * past either covers any clock skew.
     */
    public static List<Purge> purges() {
        return List.of(
                Purge.olderThan("revoked_access_tokens", Duration.ofDays(1),
                        "DELETE FROM revoked_access_tokens WHERE ctid >= ?::tid AND ctid < ?::tid AND expires_at < ?"),
                Purge.olderThan("auth_instances", Duration.ofDays(1),
                        "DELETE FROM auth_instances WHERE ctid >= ?::tid AND ctid < ?::tid AND heartbeat_at < ?"));
    }

    /** The revocations this instance applies, as a feed local verifiers subscribe to. */
    public RevocationFeed feed() {
        return feed;
    }

    /** Waits (up to {@code max}) until the revocation listener is live; tests and start-up use it. */
    public boolean awaitListening(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!cacheTrusted() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return cacheTrusted();
    }

    private boolean cacheTrusted() {
        return trusted && System.nanoTime() - lastLoopNanos < TimeUnit.MILLISECONDS.toNanos(STALE_AFTER_MS);
    }

    public boolean isActive(AccessClaims claims) {
        Instant now = clock.instant();
        if (!cacheTrusted()) {
            return db.run(c -> claims.sessionId().isPresent() ? sessionAliveInDb(c, claims, now) : serviceAccountActiveInDb(c, claims));
        }
        if (revokedJtis.containsKey(claims.jti())) {
            return false;
        }
        if (claims.sessionId().isEmpty()) {
            return serviceAccountActive(claims);
        }
        UUID sid = claims.sessionId().get();
        Entry e = sessions.get(sid);
        if (e == null) {
            e = load(sid);
        }
        if (e.ended() || !e.userId().equals(claims.subject()) || !now.isBefore(e.expiresAt())) {
            return false;
        }
        if (e.idleAt(now)) {
            // Another instance may have seen activity since; only the database can say the session went idle.
            Entry fresh = load(sid);
            if (fresh.ended() || fresh.idleAt(now)) {
                if (!fresh.ended()) {
                    endIdle(sid, now);
                }
                return false;
            }
            e = fresh;
        }
        if (e.lastSeen().plus(TOUCH_EVERY).isBefore(now)) {
            touch(sid, now);
            sessions.computeIfPresent(sid, (k, old) -> old.ended() ? old
                    : new Entry(old.userId(), false, now, old.idleSeconds(), old.expiresAt()));
        }
        return true;
    }

    private Entry load(UUID sid) {
        Entry loaded = db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT user_id, ended_at IS NOT NULL, last_seen_at, idle_timeout_seconds, expires_at FROM auth_sessions WHERE id = ?")) {
                ps.setObject(1, sid);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || rs.getBoolean(2)) {
                        return Entry.ENDED;
                    }
                    return new Entry(rs.getObject(1, UUID.class), false, rs.getTimestamp(3).toInstant(), rs.getInt(4),
                            rs.getTimestamp(5).toInstant());
                }
            }
        });
        if (sessions.size() > MAX_SESSIONS_CACHED) {
            sessions.clear();
        }
        // A tombstone written meanwhile by the listener wins: merge never turns an ended session back on.
        return sessions.merge(sid, loaded, (old, fresh) -> old.ended() ? old : fresh);
    }

    private boolean serviceAccountActive(AccessClaims claims) {
        Boolean cached = serviceAccounts.get(claims.subject());
        if (cached != null) {
            return cached;
        }
        long generation = serviceAccountGeneration.get();
        boolean active = db.run(c -> serviceAccountActiveInDb(c, claims));
        if (serviceAccountGeneration.get() == generation && serviceAccounts.size() < 100_000) {
            serviceAccounts.put(claims.subject(), active);
        }
        return active;
    }

    private boolean sessionAliveInDb(Connection c, AccessClaims claims, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT s.ended_at IS NULL AND s.expires_at > ?, s.last_seen_at + make_interval(secs => s.idle_timeout_seconds) > ?,
                       s.last_seen_at, EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = ?)
                FROM auth_sessions s WHERE s.id = ? AND s.user_id = ?""")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setString(3, claims.jti());
            ps.setObject(4, claims.sessionId().orElseThrow());
            ps.setObject(5, claims.subject());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1) || rs.getBoolean(4)) {
                    return false;
                }
                if (!rs.getBoolean(2)) {
                    endIdle(claims.sessionId().get(), now);
                    return false;
                }
                if (rs.getTimestamp(3).toInstant().plus(TOUCH_EVERY).isBefore(now)) {
                    touch(claims.sessionId().get(), now);
                }
                return true;
            }
        }
    }

    private static boolean serviceAccountActiveInDb(Connection c, AccessClaims claims) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.status = 'active' AND NOT EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = ?)
                FROM service_accounts a WHERE a.id = ? AND a.client_id = ?""")) {
            ps.setString(1, claims.jti());
            ps.setObject(2, claims.subject());
            ps.setString(3, claims.clientId().orElseThrow());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private void touch(UUID sid, Instant now) {
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE auth_sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL AND last_seen_at < ?")) {
                ps.setTimestamp(1, Timestamp.from(now));
                ps.setObject(2, sid);
                ps.setTimestamp(3, Timestamp.from(now));
                return ps.executeUpdate();
            }
        });
    }

    private void endIdle(UUID sid, Instant now) {
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE auth_sessions SET ended_at = ?, end_reason = 'idle_timeout'
                    WHERE id = ? AND ended_at IS NULL AND last_seen_at + make_interval(secs => idle_timeout_seconds) <= ?""")) {
                ps.setTimestamp(1, Timestamp.from(now));
                ps.setObject(2, sid);
                ps.setTimestamp(3, Timestamp.from(now));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE refresh_tokens SET status = 'revoked' WHERE session_id = ? AND status = 'active'"
                            + " AND EXISTS (SELECT 1 FROM auth_sessions WHERE id = ? AND ended_at IS NOT NULL)")) {
                ps.setObject(1, sid);
                ps.setObject(2, sid);
                return ps.executeUpdate();
            }
        });
        sessions.put(sid, Entry.ENDED);
    }

    /** Revokes one access token until its expiry; every instance refuses it when this returns. */
    public void revokeJti(String jti, Instant expiresAt) {
        Instant now = clock.instant();
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO revoked_access_tokens (jti, expires_at, revoked_at) VALUES (?, ?, ?)
                    ON CONFLICT (jti) DO NOTHING""")) {
                ps.setString(1, jti);
                ps.setTimestamp(2, Timestamp.from(expiresAt));
                ps.setTimestamp(3, Timestamp.from(now));
                return ps.executeUpdate();
            }
        });
        revokedJtis.put(jti, expiresAt);
        propagate();
    }

    /**
     * Counts changes of service accounts seen by this instance: a cache of service-account data taken at one
     * generation is stale once the generation moved.
     */
    public long serviceAccountGeneration() {
        return serviceAccountGeneration.get();
    }

    /** Whether this instance's view is current (its listener is healthy); when not, read from the database. */
    public boolean cacheUsable() {
        return cacheTrusted();
    }

    /** After the change committed: every instance drops what it knew of the account before this returns. */
    public void serviceAccountChanged(UUID id) {
        serviceAccountGeneration.incrementAndGet();
        serviceAccounts.remove(id);
        propagate();
    }

    /** After the ending transaction committed: every instance stops honouring these sessions before this returns. */
    public void sessionsEnded(List<UUID> ended) {
        if (!ended.isEmpty()) {
            ended.forEach(sid -> sessions.put(sid, Entry.ENDED));
            propagate();
        }
    }

    /**
     * Call after a revoking transaction commits: returns once every live instance has applied every revocation
     * committed before this call (or after {@value #BARRIER_WAIT_MS} ms for an instance that does not answer).
     */
    private void propagate() {
        if (!cacheTrusted()) {
            return;
        }
        long seq = barrierSeq.incrementAndGet();
        Set<UUID> peers = db.run(c -> {
            Set<UUID> ids = ConcurrentHashMap.newKeySet();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id FROM auth_instances WHERE heartbeat_at > now() - make_interval(secs => ?)")) {
                ps.setLong(1, PEER_ALIVE.toSeconds());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            return ids;
        });
        peers.add(instanceId);
        Barrier barrier = new Barrier(peers, new CountDownLatch(1));
        barriers.put(seq, barrier);
        try {
            db.run(c -> notify(c, "b " + instanceId + ":" + seq));
            if (!barrier.done().await(BARRIER_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("revocation barrier: {} instance(s) did not acknowledge within {} ms", barrier.pending().size(),
                        BARRIER_WAIT.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            barriers.remove(seq);
        }
    }

    private int notify(Connection c, String body) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify('" + CHANNEL + "', ?)")) {
            ps.setString(1, schema + " " + body);
            ps.executeQuery().close();
        }
        return 0;
    }

    private void listen() {
        while (!closed) {
            try (Connection c = db.dataSource().getConnection()) {
                c.setAutoCommit(true);
                PGConnection pg = c.unwrap(PGConnection.class);
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + CHANNEL);
                    try (ResultSet rs = st.executeQuery("SELECT current_schema()")) {
                        rs.next();
                        schema = rs.getString(1);
                    }
                }
                // Anything cached before this LISTEN may have missed a notification: start from the database.
                sessions.clear();
                serviceAccounts.clear();
                serviceAccountGeneration.incrementAndGet();
                loadRevokedJtis(c);
                feed.restart();
                heartbeat(c);
                lastLoopNanos = System.nanoTime();
                trusted = true;
                long lastBeat = System.nanoTime();
                while (!closed) {
                    PGNotification[] batch = pg.getNotifications(500);
                    if (batch != null) {
                        for (PGNotification n : batch) {
                            apply(c, n.getParameter());
                        }
                    }
                    if (System.nanoTime() - lastBeat > TimeUnit.SECONDS.toNanos(1)) {
                        heartbeat(c);
                        sweep();
                        lastBeat = System.nanoTime();
                    }
                    lastLoopNanos = System.nanoTime();
                }
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM auth_instances WHERE id = ?")) {
                    ps.setObject(1, instanceId);
                    ps.executeUpdate();
                }
            } catch (SQLException | RuntimeException e) {
                trusted = false;
                if (!closed) {
                    LOG.warn("revocation listener lost its connection ({}); checking tokens in the database until it is back",
                            e.getClass().getSimpleName());
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    private void apply(Connection c, String payload) throws SQLException {
        String[] parts = payload.split(" ", 3);
        if (parts.length != 3 || !parts[0].equals(schema)) {
            return;
        }
        String value = parts[2];
        switch (parts[1]) {
            case "s" -> {
                sessions.put(UUID.fromString(value), Entry.ENDED);
                feed.publish(new RevocationFeed.Revocation(RevocationFeed.Kind.SESSION_ENDED, value));
            }
            case "j" -> {
                revokedJtis.putIfAbsent(value, clock.instant().plus(Duration.ofDays(1)));
                feed.publish(new RevocationFeed.Revocation(RevocationFeed.Kind.TOKEN_REVOKED, value));
            }
            case "a" -> {
                serviceAccountGeneration.incrementAndGet();
                UUID account = UUID.fromString(value);
                serviceAccounts.remove(account);
                if (!accountActive(c, account)) {
                    feed.publish(new RevocationFeed.Revocation(RevocationFeed.Kind.SERVICE_ACCOUNT_DISABLED, value));
                }
            }
            case "b" -> notify(c, "k " + value + ":" + instanceId);
            case "k" -> {
                String[] ack = value.split(":");
                if (ack.length == 3 && ack[0].equals(instanceId.toString())) {
                    Barrier b = barriers.get(Long.parseLong(ack[1]));
                    if (b != null) {
                        b.pending().remove(UUID.fromString(ack[2]));
                        if (b.pending().isEmpty()) {
                            b.done().countDown();
                        }
                    }
                }
            }
            default -> { }
        }
    }

    private static boolean accountActive(Connection c, UUID account) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT status = 'active' FROM service_accounts WHERE id = ?")) {
            ps.setObject(1, account);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private void loadRevokedJtis(Connection c) throws SQLException {
        revokedJtis.clear();
        try (PreparedStatement ps = c.prepareStatement("SELECT jti, expires_at FROM revoked_access_tokens WHERE expires_at > ?")) {
            ps.setTimestamp(1, Timestamp.from(clock.instant()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    revokedJtis.put(rs.getString(1), rs.getTimestamp(2).toInstant());
                }
            }
        }
    }

    private void heartbeat(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO auth_instances (id, started_at, heartbeat_at) VALUES (?, now(), now())
                ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()""")) {
            ps.setObject(1, instanceId);
            ps.executeUpdate();
        }
    }

    private void sweep() {
        Instant now = clock.instant();
        revokedJtis.values().removeIf(exp -> exp.isBefore(now.minus(Duration.ofMinutes(5))));
    }

    @Override
    public void close() {
        closed = true;
        trusted = false;
        feed.close();
        try {
            listener.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
