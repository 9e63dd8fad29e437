package com.liftos.security.audit;

import com.liftos.security.config.Cidr;
import com.liftos.security.store.Db;
import com.liftos.security.store.Purge;
import com.liftos.security.store.StoreException;
import java.security.MessageDigest;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Security events written by the platform's other services into their organization's hash chain (the guide's
 * {@code log_security_event}, over HTTP). A batch of at most {@value #MAX_EVENTS} events is appended in one
 * transaction, in order, with the calling service account as the actor of every event, so a service can report what
 * it saw but never pose as a user or as this service.
 *
 * <p><b>Exactly once.</b> With an idempotency key, the key, the SHA-256 of the request body and the new event ids
 * commit in the same transaction as the events: a retry of the same body is answered with the first answer and
 * writes nothing; the same key with another body is refused. Two concurrent requests with one key serialize on
 * the key's row (the second waits for the first to commit, then replays it). Keys are kept {@link #KEY_RETENTION}.
 *
 * <p><b>Why one transaction and not the group-commit writer.</b> A batch is already a group (one commit for up to
 * 500 events), and only one transaction makes "the key is stored" and "the events are in the chain" the same fact;
 * with the writer, a crash between the two would leave a key that cannot tell whether its events were written.
 *
 * <p><b>What a service cannot do with it.</b> Only the guide's event types ({@link SecurityEventType#GUIDE}) are
 * accepted. The end user's address and user agent a service reports are stored as erasable personal details, not
 * as the record's {@code client_ip}: this service's detectors count failures by {@code client_ip} across
 * organizations, and one tenant's service must not be able to get an address blocked for everyone. For the same
 * reason ingested events are not handed to the detectors; high and critical ones do raise alerts.
 */
public final class AuditIngestion {
    public static final int MAX_EVENTS = 500;
    /** Largest {@code details} object of one event, in bytes of its JSON. */
    public static final int MAX_DETAILS_BYTES = 4096;
    static final Duration KEY_RETENTION = Duration.ofDays(1);
    /** Detail keys this feature writes itself; a service's details may not carry them. */
    public static final Set<String> RESERVED_DETAILS = Set.of("user_id", "ip_address", "user_agent", "reported_at", "source");
    private static final Pattern ACTION = Pattern.compile("[a-z0-9][a-z0-9_.:-]{0,99}");
    private static final int ATTEMPTS = 3;

    private final Db db;
    private final ChainAppender appender;
    private final Clock clock;

    AuditIngestion(Db db, ChainAppender appender, Clock clock) {
        this.db = db;
        this.appender = appender;
        this.clock = clock;
    }

    /** One event as a service reports it; the constructor refuses (IllegalArgumentException naming the field) what may not be written. */
    public record Submitted(SecurityEventType type, Optional<String> action, Optional<UUID> userId, Optional<String> resource,
                            Optional<String> ipAddress, Optional<String> userAgent, boolean success, Map<String, Object> details,
                            RiskLevel riskLevel, Optional<Instant> reportedAt) {
        public Submitted {
            if (!SecurityEventType.GUIDE.contains(type)) {
                throw new IllegalArgumentException("event_type: " + type.wire() + " is this service's own event type, not one a service may write");
            }
            action.ifPresent(a -> {
                if (!ACTION.matcher(a).matches()) {
                    throw new IllegalArgumentException("action: 1 to 100 characters of a-z, 0-9, _ . : - (starting with a letter or digit)");
                }
            });
            resource.ifPresent(r -> within("resource", r, 200));
            ipAddress.ifPresent(ip -> {
                within("ip_address", ip, 64);
                if (Cidr.literal(ip).isEmpty()) {
                    throw new IllegalArgumentException("ip_address: must be an IPv4 or IPv6 address");
                }
            });
            userAgent.ifPresent(ua -> within("user_agent", ua, 512));
            Map<String, Object> present = new java.util.LinkedHashMap<>();
            details.forEach((k, v) -> {
                if (v != null) {
                    present.put(k, v);
                }
            });
            details = Map.copyOf(present);
            for (String key : details.keySet()) {
                if (RESERVED_DETAILS.contains(key)) {
                    throw new IllegalArgumentException("details: the key " + key + " is reserved (send it as its own field)");
                }
            }
        }

        private static void within(String field, String value, int max) {
            if (value.isEmpty() || value.length() > max) {
                throw new IllegalArgumentException(field + ": 1 to " + max + " characters");
            }
        }
    }

    /** A client-chosen key naming one batch: 1 to 255 characters of letters, digits and {@code - _ . :}. */
    public record IdempotencyKey(String value) {
        private static final Pattern FORM = Pattern.compile("[A-Za-z0-9_.:-]{1,255}");

        public IdempotencyKey {
            if (!FORM.matcher(value).matches()) {
                throw new IllegalArgumentException("Idempotency-Key must be 1 to 255 characters of letters, digits and - _ . :");
            }
        }
    }

    /** What became of a batch. */
    public sealed interface Outcome {
        /** Written now ({@code replayed} false), or earlier under the same key and body ({@code replayed} true). */
        record Recorded(List<UUID> eventIds, boolean replayed) implements Outcome {
            public Recorded {
                eventIds = List.copyOf(eventIds);
            }
        }

        /** The key was used before with another body: nothing written. */
        record KeyReused() implements Outcome {}
    }

    /**
     * Appends {@code events} to {@code org}'s chain, durably, as written by service account {@code caller}.
     *
     * @param body the request body exactly as received: its digest is what a retry under the same key must match
     * @throws StoreException when the database could not write them (nothing is written then)
     */
    public Outcome ingest(UUID org, UUID caller, Optional<IdempotencyKey> key, byte[] body, List<Submitted> events, String requestId) {
        if (events.isEmpty() || events.size() > MAX_EVENTS) {
            throw new IllegalArgumentException("a batch holds 1 to " + MAX_EVENTS + " events");
        }
        Instant now = clock.instant();
        List<SecurityEvent> records = events.stream().map(e -> record(org, caller, e, requestId, now)).toList();
        List<UUID> ids = records.stream().map(SecurityEvent::eventId).toList();
        byte[] digest = sha256(body);
        StoreException failure = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try {
                return db.tx(c -> {
                    if (key.isPresent()) {
                        Optional<Outcome> earlier = claim(c, org, caller, key.get(), digest, ids, now);
                        if (earlier.isPresent()) {
                            return earlier.get();
                        }
                    }
                    appender.append(c, records);
                    return new Outcome.Recorded(ids, false);
                });
            } catch (StoreException e) {
                failure = e;
                if (!(e.getCause() instanceof SQLException sql) || !Db.retryable(sql)) {
                    break;
                }
            }
        }
        throw failure;
    }

    /** Retention of the idempotency keys, for {@code store.Housekeeping}. */
    public static Purge keyPurge() {
        return Purge.olderThan("audit_ingest_keys", KEY_RETENTION,
                "DELETE FROM audit_ingest_keys WHERE ctid >= ?::tid AND ctid < ?::tid AND created_at < ?");
    }

    /** Takes the key for this batch, or answers from its earlier use. */
    private static Optional<Outcome> claim(Connection c, UUID org, UUID caller, IdempotencyKey key, byte[] digest,
                                           List<UUID> ids, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO audit_ingest_keys (org_id, actor_id, idempotency_key, body_sha256, event_ids, created_at)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")) {
            ps.setObject(1, org);
            ps.setObject(2, caller);
            ps.setString(3, key.value());
            ps.setBytes(4, digest);
            ps.setArray(5, c.createArrayOf("uuid", ids.toArray()));
            ps.setTimestamp(6, Timestamp.from(now));
            if (ps.executeUpdate() == 1) {
                return Optional.empty();
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT body_sha256, event_ids FROM audit_ingest_keys WHERE org_id = ? AND actor_id = ? AND idempotency_key = ?")) {
            ps.setObject(1, org);
            ps.setObject(2, caller);
            ps.setString(3, key.value());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    // Purged between the two statements: a serialization-like conflict, the caller retries.
                    throw new SQLException("idempotency key vanished", "40001");
                }
                if (!MessageDigest.isEqual(rs.getBytes(1), digest)) {
                    return Optional.of(new Outcome.KeyReused());
                }
                Array stored = rs.getArray(2);
                return Optional.of(new Outcome.Recorded(Arrays.asList((UUID[]) stored.getArray()), true));
            }
        }
    }

    private static SecurityEvent record(UUID org, UUID caller, Submitted e, String requestId, Instant now) {
        SecurityEvent.Builder b = SecurityEvent.builder(e.type(), e.action().orElse(e.type().wire()))
                .org(org).actor(caller, SecurityEvent.ActorType.SERVICE_ACCOUNT).success(e.success())
                .requestId(requestId).risk(e.riskLevel().lowestScore()).detail("source", "service");
        e.resource().ifPresent(b::resource);
        e.details().forEach(b::detail);
        e.userId().ifPresent(u -> b.detail("user_id", u.toString()));
        e.ipAddress().ifPresent(ip -> b.detail("ip_address", ip));
        e.userAgent().ifPresent(ua -> b.detail("user_agent", ua));
        e.reportedAt().ifPresent(t -> b.detail("reported_at", t.toString()));
        return b.build(now);
    }

    private static byte[] sha256(byte[] body) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(body);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }
}
