package com.liftos.security.auth.session;

import com.liftos.security.auth.user.User;
import com.liftos.security.auth.user.Users;
import com.liftos.security.store.Db;
import com.liftos.security.store.GroupCommit;
import com.liftos.security.store.StoreException;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refresh-token rotation, written for many callers at once: {@link #rotate} joins the next batch, and one writer
 * rotates the whole batch in one statement and one commit (one WAL flush). Per rotation: lock the presented token
 * and, only where it is active, unexpired, on a live session of an active user and the same device, retire it,
 * insert its successor and touch the session. What it read is returned either way; the caller decides what a
 * refusal means (reuse, expiry, another device).
 *
 * <p>Of concurrent presentations of one token exactly one rotates it: twice in one batch, the second goes to a later
 * round; in two batches (or on two instances), the second waits for the first's row lock and then reads the token
 * retired. Such a second presentation — or a client's retry after a lost answer — is a <em>replay</em> when it comes
 * within the reuse interval of the rotation, from the session's device, while the successor is still unused: the
 * statement then reports the successor (its row, found by the successor hash the caller computed) instead of reuse.
 * A replay on another instance whose rotation committed while this statement waited for its lock cannot see that
 * successor in its snapshot; it is read again by one more statement.
 *
 * <p>The statement's lookups are primary-key lookups only if PostgreSQL plans them so, which a generic plan made
 * while the tables were nearly empty does not; {@code store.Housekeeping} refreshes planner statistics of tables
 * that have grown, which makes such plans be made again.
 */
final class Rotations implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Rotations.class);
    /** Rotations written per statement at most; more wait for the next. */
    private static final int MAX_BATCH = 128;
    private static final int ATTEMPTS = 3;

    /** A presented refresh token to rotate: its hash, its successor's, and the presenting device and address. */
    record Rotation(byte[] presented, byte[] next, String fingerprint, String ip) {}

    /** A refresh token's state ({@code refresh_tokens.status}). */
    enum TokenStatus {
        /** The session's current token. */
        ACTIVE,
        /** Exchanged for its successor: presenting it again is reuse. */
        ROTATED,
        /** Its session ended. */
        REVOKED;

        static TokenStatus parse(String stored) {
            return valueOf(stored.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /**
     * What the rotation read of a presented token at {@code at}, and whether it rotated it; {@code auditDue}: a
     * rotation that is its session's first in {@code auditEvery}, or that comes from another address than the
     * session's own (the session now records it as audited). {@code replay}: present when the token was retired
     * within the reuse interval and everything else would have let it rotate; then what was read of its successor.
     */
    record Found(User user, TokenStatus status, boolean ended, boolean expired, boolean deviceMatches, UUID sid,
                 Instant authTime, List<String> amr, boolean rotated, boolean auditDue, Instant at, Optional<Replay> replay) {

        /** A replay whose successor is unused: answered with that successor. */
        boolean replayed() {
            return replay.flatMap(Replay::successor).map(s -> s == TokenStatus.ACTIVE).orElse(false);
        }
    }

    /**
     * The successor of a token presented again within the reuse interval: its state and expiry, empty when this
     * statement's snapshot does not contain it (its rotation committed while the statement waited).
     */
    record Replay(Optional<TokenStatus> successor, Optional<Instant> successorExpiresAt) {}

    private final DataSource dataSource;
    private final Clock clock;
    private final Duration refreshLifetime;
    private final Duration auditEvery;
    private final Duration reuseInterval;
    private final GroupCommit<Rotation, Optional<Found>> writer;
    /** The writer's own connection while rotations flow; only the writer thread touches it. */
    private Connection connection;

    /** {@code reuseInterval}: how long after its rotation a token may be replayed; zero turns replays off. */
    Rotations(DataSource dataSource, Clock clock, Duration refreshLifetime, Duration auditEvery, Duration reuseInterval) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.refreshLifetime = refreshLifetime;
        this.auditEvery = auditEvery;
        this.reuseInterval = reuseInterval;
        this.writer = new GroupCommit<>("refresh-rotations", MAX_BATCH, new GroupCommit.BatchWriter<>() {
            @Override
            public List<Optional<Found>> write(List<Rotation> batch) {
                return rotateAll(batch, true);
            }

            @Override
            public void idle() {
                release();
            }
        });
    }

    /** Rotates one presented token with whatever else is queued; empty when the token is unknown. */
    Optional<Found> rotate(Rotation rotation) {
        return writer.submit(rotation);
    }

    @Override
    public void close() {
        writer.close();
    }

    /**
     * Splits a batch into rounds of distinct presented tokens; a token presented again goes to a later round. With
     * {@code rereadUnseen}, replays whose successor the statement could not see are rotated once more.
     */
    private List<Optional<Found>> rotateAll(List<Rotation> batch, boolean rereadUnseen) {
        List<Optional<Found>> out = new ArrayList<>(Collections.nCopies(batch.size(), Optional.<Found>empty()));
        List<List<Integer>> rounds = new ArrayList<>();
        Map<ByteBuffer, Integer> presentations = new HashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            int round = presentations.merge(ByteBuffer.wrap(batch.get(i).presented()), 1, Integer::sum) - 1;
            if (round == rounds.size()) {
                rounds.add(new ArrayList<>());
            }
            rounds.get(round).add(i);
        }
        for (List<Integer> round : rounds) {
            Map<ByteBuffer, Found> found = rotateRound(round.stream().map(batch::get).toList());
            for (int i : round) {
                out.set(i, Optional.ofNullable(found.get(ByteBuffer.wrap(batch.get(i).presented()))));
            }
        }
        if (rereadUnseen) {
            List<Integer> unseen = new ArrayList<>();
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i).flatMap(Found::replay).map(r -> r.successor().isEmpty()).orElse(false)) {
                    unseen.add(i);
                }
            }
            if (!unseen.isEmpty()) {
                List<Optional<Found>> again = rotateAll(unseen.stream().map(batch::get).toList(), false);
                for (int k = 0; k < unseen.size(); k++) {
                    out.set(unseen.get(k), again.get(k));
                }
            }
        }
        return out;
    }

    /** A deadlock (with another instance's batch, or a session being ended) is retried: the statement is atomic. */
    private Map<ByteBuffer, Found> rotateRound(List<Rotation> round) {
        for (int attempt = 1; ; attempt++) {
            try {
                return rotateOnce(round);
            } catch (SQLException e) {
                release();
                if (attempt == ATTEMPTS || !Db.retryable(e)) {
                    throw new StoreException("database error: " + e.getSQLState(), e);
                }
            }
        }
    }

    /** The writer's connection, kept while rotations flow. */
    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = dataSource.getConnection();
        }
        return connection;
    }

    /** Hands the connection back to the pool. */
    private void release() {
        if (connection == null) {
            return;
        }
        Connection c = connection;
        connection = null;
        try {
            c.close();
        } catch (SQLException e) {
            // A broken connection: the pool discards it.
            LOG.debug("refresh writer connection released after an error: {}", e.getSQLState());
        }
    }

    /**
     * The rotation statement (parameters in {@link #rotateOnce}'s order). The user's columns are Users.COLUMNS in the
     * order Users.read reads them (1-9). Tokens are locked in one order, so two batches cannot deadlock each other.
     */
    static final String SQL = """
            WITH presented AS (
                SELECT * FROM unnest(?::bytea[], ?::bytea[], ?::text[], ?::text[]) AS t(token_hash, next_hash, fingerprint, ip)),
            cur AS (
                SELECT u.id, u.org_id, u.email, u.display_name, u.roles, u.status, u.password_changed_at,
                       u.locked_until, u.created_at, r.token_hash, r.status AS token_status, s.ended_at IS NOT NULL AS ended,
                       (r.expires_at <= ? OR s.expires_at <= ?
                        OR s.last_seen_at + s.idle_timeout_seconds * interval '1 second' <= ?) AS expired,
                       s.device_fingerprint = p.fingerprint AS device_matches, s.id AS sid, s.auth_time, s.amr,
                       p.next_hash, p.ip,
                       (s.refresh_audited_at IS NULL OR s.refresh_audited_at <= ? OR s.client_ip <> p.ip) AS audit_due,
                       (r.status = 'rotated' AND ? AND r.used_at > ?) AS in_reuse_interval
                FROM presented p JOIN refresh_tokens r ON r.token_hash = p.token_hash
                     JOIN auth_sessions s ON s.id = r.session_id JOIN users u ON u.id = s.user_id
                ORDER BY r.token_hash FOR UPDATE OF r),
            retired AS (
                UPDATE refresh_tokens r SET status = 'rotated', used_at = ? FROM cur
                WHERE r.token_hash = cur.token_hash AND cur.token_status = 'active' AND NOT cur.ended
                  AND NOT cur.expired AND cur.device_matches AND cur.status = 'active'
                RETURNING r.session_id, r.token_hash, cur.next_hash, cur.ip, cur.audit_due),
            issued AS (
                INSERT INTO refresh_tokens (token_hash, session_id, parent_hash, status, created_at, expires_at, carries_family)
                SELECT next_hash, session_id, token_hash, 'active', ?, ?, true FROM retired),
            touched AS (
                UPDATE auth_sessions s SET last_seen_at = ?, expires_at = ?, ip_changed = ip_changed OR client_ip <> retired.ip,
                    refresh_audited_at = CASE WHEN retired.audit_due THEN ? ELSE refresh_audited_at END
                FROM retired WHERE s.id = retired.session_id),
            replays AS (
                SELECT cur.token_hash, cur.next_hash FROM cur
                WHERE cur.in_reuse_interval AND NOT cur.ended AND NOT cur.expired AND cur.device_matches AND cur.status = 'active')
            SELECT cur.id, cur.org_id, cur.email, cur.display_name, cur.roles, cur.status, cur.password_changed_at,
                   cur.locked_until, cur.created_at, cur.token_hash, cur.token_status, cur.ended, cur.expired,
                   cur.device_matches, cur.sid, cur.auth_time, cur.amr,
                   EXISTS (SELECT 1 FROM retired WHERE retired.token_hash = cur.token_hash), cur.audit_due,
                   replays.token_hash IS NOT NULL, successor.status, successor.expires_at
            FROM cur LEFT JOIN replays ON replays.token_hash = cur.token_hash
                 LEFT JOIN LATERAL (
                     SELECT n.status, n.expires_at FROM refresh_tokens n
                     WHERE n.token_hash = replays.next_hash AND n.parent_hash = replays.token_hash) successor ON true""";

    /** One statement for distinct presented tokens: what it read of each known one, by presented hash. */
    private Map<ByteBuffer, Found> rotateOnce(List<Rotation> round) throws SQLException {
        Instant now = clock.instant();
        Timestamp at = Timestamp.from(now);
        Timestamp refreshExpires = Timestamp.from(now.plus(refreshLifetime));
        Connection c = connection();
        try (PreparedStatement ps = c.prepareStatement(SQL)) {
            int i = 1;
            ps.setArray(i++, c.createArrayOf("bytea", round.stream().map(Rotation::presented).toArray(byte[][]::new)));
            ps.setArray(i++, c.createArrayOf("bytea", round.stream().map(Rotation::next).toArray(byte[][]::new)));
            ps.setArray(i++, c.createArrayOf("text", round.stream().map(Rotation::fingerprint).toArray(String[]::new)));
            ps.setArray(i++, c.createArrayOf("text", round.stream().map(Rotation::ip).toArray(String[]::new)));
            ps.setTimestamp(i++, at);
            ps.setTimestamp(i++, at);
            ps.setTimestamp(i++, at);
            ps.setTimestamp(i++, Timestamp.from(now.minus(auditEvery)));
            ps.setBoolean(i++, !reuseInterval.isZero());
            ps.setTimestamp(i++, Timestamp.from(now.minus(reuseInterval)));
            ps.setTimestamp(i++, at);
            ps.setTimestamp(i++, at);
            ps.setTimestamp(i++, refreshExpires);
            ps.setTimestamp(i++, at);
            ps.setTimestamp(i++, refreshExpires);
            ps.setTimestamp(i, at);
            Map<ByteBuffer, Found> found = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Optional<Replay> replay = rs.getBoolean(20)
                            ? Optional.of(new Replay(Optional.ofNullable(rs.getString(21)).map(TokenStatus::parse),
                                    Optional.ofNullable(rs.getTimestamp(22)).map(Timestamp::toInstant)))
                            : Optional.empty();
                    found.put(ByteBuffer.wrap(rs.getBytes(10)), new Found(Users.read(rs), TokenStatus.parse(rs.getString(11)), rs.getBoolean(12),
                            rs.getBoolean(13), rs.getBoolean(14), rs.getObject(15, UUID.class), rs.getTimestamp(16).toInstant(),
                            List.of((String[]) rs.getArray(17).getArray()), rs.getBoolean(18), rs.getBoolean(18) && rs.getBoolean(19),
                            now, replay));
                }
            }
            return found;
        }
    }
}
