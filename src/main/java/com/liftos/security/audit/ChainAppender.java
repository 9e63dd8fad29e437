package com.liftos.security.audit;

import java.security.SecureRandom;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Appends events to their chains inside a caller's transaction. The chain heads are locked
 * ({@code SELECT ... FOR UPDATE}, in chain order to avoid deadlocks) before the new records are hashed, so the
 * group-commit writer and writers using the caller's transaction serialize on each organization's head.
 */
final class ChainAppender {
    static final UUID SYSTEM_CHAIN = new UUID(0, 0);

    private static final String LOCK_HEADS = "SELECT chain, seq, hash FROM audit_chain_heads WHERE chain = ANY (?) ORDER BY chain FOR UPDATE";
    private static final String CREATE_HEADS = """
            INSERT INTO audit_chain_heads (chain, seq, hash, anchor_seq, anchor_hash)
            SELECT c, 0, ?, 0, ? FROM unnest(?::uuid[]) AS c ORDER BY c ON CONFLICT (chain) DO NOTHING
            """;
    private static final String INSERT = """
            INSERT INTO audit_events (event_id, occurred_at, event_type, org_id, actor_id, actor_type, action, resource,
                client_ip, user_agent, success, request_id, risk_score, risk_level, seq, format, details_text,
                personal_text, personal_salt, personal_digest, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """;
    private static final String UPDATE_HEAD = "UPDATE audit_chain_heads SET seq = ?, hash = ? WHERE chain = ? AND seq = ? AND hash = ?";
    private static final String OUTBOX = """
            INSERT INTO audit_alert_outbox (event_id, webhook_id, created_at, next_attempt_at) VALUES (?, ?, ?, ?)
            """;

    private final DetailsPolicy details = new DetailsPolicy();
    private final SecureRandom random;
    private final List<String> alertWebhookIds;
    private final ThreadLocal<ChainHash> hashers = ThreadLocal.withInitial(ChainHash::new);

    ChainAppender(SecureRandom random, List<String> alertWebhookIds) {
        this.random = random;
        this.alertWebhookIds = List.copyOf(alertWebhookIds);
    }

    /** An event with everything that does not depend on its chain position computed (done on the caller's thread). */
    record Prepared(SecurityEvent event, Instant at, DetailsPolicy.Split split, byte[] salt, byte[] personalDigest) {
        UUID chain() {
            return chainOf(event);
        }
    }

    Prepared prepare(SecurityEvent e) {
        Instant at = e.occurredAt().truncatedTo(ChronoUnit.MICROS);
        DetailsPolicy.Split split = details.split(e.details());
        byte[] salt = new byte[ChainHash.SALT_BYTES];
        random.nextBytes(salt);
        byte[] personal = hashers.get().personalDigest(salt, e.clientIp().orElse(null), e.userAgent().orElse(null), split.personalText());
        return new Prepared(e, at, split, salt, personal);
    }

    /** The newest record of a chain as last committed by this process; a compare-and-set guards its use. */
    record Head(long seq, byte[] hash) {}

    static UUID chainOf(SecurityEvent e) {
        return e.orgId().orElse(SYSTEM_CHAIN);
    }

    /** Writes {@code events} (in order, per chain) and advances the heads; the caller commits. */
    void append(Connection c, List<SecurityEvent> events) throws SQLException {
        appendPrepared(c, events.stream().map(this::prepare).toList(), Map.of());
    }

    /**
     * Writes prepared events; for chains in {@code cachedHeads} the head is not read but advanced with a
     * compare-and-set, and {@link StaleHeadException} is thrown (roll back, forget the cache, retry) when another
     * writer moved it. Returns the new heads, valid once the caller has committed.
     */
    Map<UUID, Head> appendPrepared(Connection c, List<Prepared> events, Map<UUID, Head> cachedHeads) throws SQLException {
        ChainHash hasher = hashers.get();
        Map<UUID, List<Prepared>> byChain = new TreeMap<>();
        for (Prepared e : events) {
            byChain.computeIfAbsent(e.chain(), k -> new ArrayList<>()).add(e);
        }
        Map<UUID, Head> heads = new HashMap<>();
        java.util.Set<UUID> toLock = new java.util.TreeSet<>();
        for (UUID chain : byChain.keySet()) {
            Head cached = cachedHeads.get(chain);
            if (cached != null) {
                heads.put(chain, cached);
            } else {
                toLock.add(chain);
            }
        }
        if (!toLock.isEmpty()) {
            heads.putAll(lockOrCreateHeads(c, toLock));
        }
        Map<UUID, Head> advanced = new HashMap<>();
        try (PreparedStatement insert = c.prepareStatement(INSERT);
             PreparedStatement update = c.prepareStatement(UPDATE_HEAD)) {
            List<SecurityEvent> alerts = new ArrayList<>();
            List<UUID> order = new ArrayList<>();
            for (Map.Entry<UUID, List<Prepared>> chain : byChain.entrySet()) {
                Head head = heads.get(chain.getKey());
                long seq = head.seq();
                byte[] prev = head.hash();
                for (Prepared e : chain.getValue()) {
                    seq++;
                    prev = bind(insert, 0, hasher, e, seq, prev);
                    insert.addBatch();
                    if (e.event().riskLevel().compareTo(RiskLevel.HIGH) >= 0 || e.event().notifyWebhooks()) {
                        alerts.add(e.event());
                    }
                }
                update.setLong(1, seq);
                update.setBytes(2, prev);
                update.setObject(3, chain.getKey());
                update.setLong(4, head.seq());
                update.setBytes(5, head.hash());
                update.addBatch();
                order.add(chain.getKey());
                advanced.put(chain.getKey(), new Head(seq, prev));
            }
            // The head update first: it takes the row lock (or finds the head moved) before any row is written.
            int[] updated = update.executeBatch();
            for (int i = 0; i < updated.length; i++) {
                if (updated[i] == 0) {
                    throw new StaleHeadException(order.get(i));
                }
            }
            insert.executeBatch();
            if (!alerts.isEmpty() && !alertWebhookIds.isEmpty()) {
                enqueueAlerts(c, alerts);
            }
        }
        return advanced;
    }

    /** Another writer advanced a chain whose head this writer had cached. */
    static final class StaleHeadException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient UUID chain;

        StaleHeadException(UUID chain) {
            super("audit chain head moved", null, false, false);
            this.chain = chain;
        }
    }

    private Map<UUID, Head> lockOrCreateHeads(Connection c, java.util.Set<UUID> chains) throws SQLException {
        Map<UUID, Head> heads = lockHeads(c, chains);
        if (heads.size() < chains.size()) {
            try (PreparedStatement ps = c.prepareStatement(CREATE_HEADS)) {
                ps.setBytes(1, ChainHash.GENESIS);
                ps.setBytes(2, ChainHash.GENESIS);
                ps.setArray(3, c.createArrayOf("uuid", chains.stream().filter(k -> !heads.containsKey(k)).toArray()));
                ps.executeUpdate();
            }
            heads.putAll(lockHeads(c, chains));
        }
        return heads;
    }

    private byte[] bind(PreparedStatement ps, int base, ChainHash hasher, Prepared p, long seq, byte[] prev) throws SQLException {
        SecurityEvent e = p.event();
        Instant at = p.at();
        DetailsPolicy.Split split = p.split();
        byte[] salt = p.salt();
        byte[] personal = p.personalDigest();
        String ip = e.clientIp().orElse(null);
        String ua = e.userAgent().orElse(null);
        UUID org = e.orgId().orElse(null);
        UUID actor = e.actorId().orElse(null);
        String resource = e.resource().orElse(null);
        String requestId = e.requestId().orElse(null);
        byte[] hash = hasher.recordHash(new ChainHash.Fields(prev, e.eventId(), micros(at), e.type().name(), org, actor,
                e.actorType().name(), e.action(), resource, e.success(), split.detailsText(), requestId, e.riskScore(), personal));
        ps.setObject(base + 1, e.eventId());
        ps.setTimestamp(base + 2, Timestamp.from(at));
        ps.setString(base + 3, e.type().name());
        setUuid(ps, base + 4, org);
        setUuid(ps, base + 5, actor);
        ps.setString(base + 6, e.actorType().name());
        ps.setString(base + 7, e.action());
        ps.setString(base + 8, resource);
        ps.setString(base + 9, ip);
        ps.setString(base + 10, ua);
        ps.setBoolean(base + 11, e.success());
        ps.setString(base + 12, requestId);
        ps.setDouble(base + 13, e.riskScore());
        ps.setString(base + 14, e.riskLevel().wire());
        ps.setLong(base + 15, seq);
        ps.setShort(base + 16, (short) ChainHash.FORMAT);
        ps.setString(base + 17, split.detailsText());
        ps.setString(base + 18, split.personalText());
        ps.setBytes(base + 19, salt);
        ps.setBytes(base + 20, personal);
        ps.setBytes(base + 21, prev);
        ps.setBytes(base + 22, hash);
        return hash;
    }

    static final int COLUMNS = 22;
    private static final String ROW_PLACEHOLDERS = "(?::uuid, ?::timestamptz, ?, ?::uuid, ?::uuid, ?, ?, ?, ?, ?, ?::boolean, ?, "
            + "?::float8, ?, ?::bigint, ?::smallint, ?, ?, ?::bytea, ?::bytea, ?::bytea, ?::bytea)";

    /** What one {@link #appendInOneStatement} achieved: chains written (with their new heads) and chains found moved. */
    record StatementResult(Map<UUID, Head> advanced, java.util.Set<UUID> stale) {}

    /**
     * Appends with ONE auto-committed statement: a compare-and-set of every chain's head joined to the insert of
     * that chain's records (and its alert outbox rows). PostgreSQL runs the statement atomically, so per chain the
     * head and the records move together or not at all; a chain whose head moved (another writer) writes nothing
     * and is reported stale. Durable when it returns (synchronous commit). One round trip per batch is what makes
     * group commit reach several thousand events per second on a loaded two-core machine.
     *
     * @param heads the believed head of every chain in {@code events}
     */
    StatementResult appendInOneStatement(Connection autoCommit, List<Prepared> events, Map<UUID, Head> heads) throws SQLException {
        ChainHash hasher = hashers.get();
        Map<UUID, List<Prepared>> byChain = new TreeMap<>();
        for (Prepared e : events) {
            byChain.computeIfAbsent(e.chain(), k -> new ArrayList<>()).add(e);
        }
        List<SecurityEvent> alerts = new ArrayList<>();
        if (!alertWebhookIds.isEmpty()) {
            events.stream().map(Prepared::event).filter(e -> e.riskLevel().compareTo(RiskLevel.HIGH) >= 0).forEach(alerts::add);
        }
        StringBuilder sql = new StringBuilder(256 + events.size() * ROW_PLACEHOLDERS.length());
        sql.append("WITH h AS (UPDATE audit_chain_heads AS t SET seq = v.new_seq, hash = v.new_hash FROM (VALUES ");
        for (int i = 0; i < byChain.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("(?::uuid, ?::bigint, ?::bytea, ?::bigint, ?::bytea)");
        }
        sql.append(") AS v(chain, old_seq, old_hash, new_seq, new_hash) WHERE t.chain = v.chain AND t.seq = v.old_seq")
                .append(" AND t.hash = v.old_hash RETURNING t.chain)");
        if (!alerts.isEmpty()) {
            sql.append(", o AS (INSERT INTO audit_alert_outbox (event_id, webhook_id, created_at, next_attempt_at)")
                    .append(" SELECT a.event_id, a.webhook_id, a.at, a.at FROM (VALUES ");
            int n = 0;
            for (int i = 0; i < alerts.size() * alertWebhookIds.size(); i++) {
                sql.append(n++ == 0 ? "" : ", ").append("(?::uuid, ?::uuid, ?, ?::timestamptz)");
            }
            sql.append(") AS a(chain, event_id, webhook_id, at) JOIN h ON h.chain = a.chain)");
        }
        sql.append(" INSERT INTO audit_events (event_id, occurred_at, event_type, org_id, actor_id, actor_type, action,")
                .append(" resource, client_ip, user_agent, success, request_id, risk_score, risk_level, seq, format,")
                .append(" details_text, personal_text, personal_salt, personal_digest, prev_hash, hash)")
                .append(" SELECT r.c1, r.c2, r.c3, r.c4, r.c5, r.c6, r.c7, r.c8, r.c9, r.c10, r.c11, r.c12, r.c13, r.c14,")
                .append(" r.c15, r.c16, r.c17, r.c18, r.c19, r.c20, r.c21, r.c22 FROM (VALUES ");
        for (int i = 0; i < events.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(ROW_PLACEHOLDERS);
        }
        sql.append(") AS r(c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, c21, c22)")
                .append(" JOIN h ON h.chain = coalesce(r.c4, '00000000-0000-0000-0000-000000000000'::uuid)")
                .append(" RETURNING chain");
        Map<UUID, Head> advanced = new HashMap<>();
        try (PreparedStatement ps = autoCommit.prepareStatement(sql.toString())) {
            int headBase = 0;
            int alertBase = byChain.size() * 5;
            int rowBase = alertBase + alerts.size() * alertWebhookIds.size() * 4;
            int row = 0;
            for (Map.Entry<UUID, List<Prepared>> chain : byChain.entrySet()) {
                Head head = heads.get(chain.getKey());
                long seq = head.seq();
                byte[] prev = head.hash();
                for (Prepared e : chain.getValue()) {
                    seq++;
                    prev = bind(ps, rowBase + row * COLUMNS, hasher, e, seq, prev);
                    row++;
                }
                ps.setObject(headBase + 1, chain.getKey());
                ps.setLong(headBase + 2, head.seq());
                ps.setBytes(headBase + 3, head.hash());
                ps.setLong(headBase + 4, seq);
                ps.setBytes(headBase + 5, prev);
                headBase += 5;
                advanced.put(chain.getKey(), new Head(seq, prev));
            }
            int p = alertBase;
            for (SecurityEvent e : alerts) {
                for (String webhook : alertWebhookIds) {
                    ps.setObject(p + 1, chainOf(e));
                    ps.setObject(p + 2, e.eventId());
                    ps.setString(p + 3, webhook);
                    ps.setTimestamp(p + 4, Timestamp.from(e.occurredAt()));
                    p += 4;
                }
            }
            java.util.Set<UUID> written = new java.util.HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    written.add(rs.getObject(1, UUID.class));
                }
            }
            java.util.Set<UUID> stale = new java.util.TreeSet<>(byChain.keySet());
            stale.removeAll(written);
            advanced.keySet().retainAll(written);
            return new StatementResult(advanced, stale);
        }
    }

    /** Reads (creating when absent) the current heads without locking them: a starting point for compare-and-set. */
    Map<UUID, Head> readHeads(Connection autoCommit, java.util.Set<UUID> chains) throws SQLException {
        try (PreparedStatement ps = autoCommit.prepareStatement(CREATE_HEADS)) {
            ps.setBytes(1, ChainHash.GENESIS);
            ps.setBytes(2, ChainHash.GENESIS);
            ps.setArray(3, autoCommit.createArrayOf("uuid", chains.toArray()));
            ps.executeUpdate();
        }
        Map<UUID, Head> heads = new HashMap<>();
        try (PreparedStatement ps = autoCommit.prepareStatement("SELECT chain, seq, hash FROM audit_chain_heads WHERE chain = ANY (?)")) {
            ps.setArray(1, autoCommit.createArrayOf("uuid", chains.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    heads.put(rs.getObject(1, UUID.class), new Head(rs.getLong(2), rs.getBytes(3)));
                }
            }
        }
        return heads;
    }

    private void enqueueAlerts(Connection c, List<SecurityEvent> alerts) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(OUTBOX)) {
            for (SecurityEvent e : alerts) {
                for (String webhook : alertWebhookIds) {
                    ps.setObject(1, e.eventId());
                    ps.setString(2, webhook);
                    ps.setTimestamp(3, Timestamp.from(e.occurredAt()));
                    ps.setTimestamp(4, Timestamp.from(e.occurredAt()));
                    ps.addBatch();
                }
            }
            ps.executeBatch();
        }
    }

    static long micros(Instant at) {
        return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1_000);
    }

    private static Map<UUID, Head> lockHeads(Connection c, java.util.Set<UUID> chains) throws SQLException {
        Map<UUID, Head> heads = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(LOCK_HEADS)) {
            Array array = c.createArrayOf("uuid", chains.toArray());
            ps.setArray(1, array);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    heads.put(rs.getObject(1, UUID.class), new Head(rs.getLong(2), rs.getBytes(3)));
                }
            }
        }
        return heads;
    }

    private static void setUuid(PreparedStatement ps, int index, UUID value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.OTHER);
        } else {
            ps.setObject(index, value);
        }
    }
}
