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
    private static final String UPDATE_HEAD = "UPDATE audit_chain_heads SET seq = ?, hash = ? WHERE chain = ?";
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

    static UUID chainOf(SecurityEvent e) {
        return e.orgId().orElse(SYSTEM_CHAIN);
    }

    /** Writes {@code events} (in order, per chain) and advances the heads; the caller commits. */
    void append(Connection c, List<SecurityEvent> events) throws SQLException {
        ChainHash hasher = hashers.get();
        Map<UUID, List<SecurityEvent>> byChain = new TreeMap<>();
        for (SecurityEvent e : events) {
            byChain.computeIfAbsent(chainOf(e), k -> new ArrayList<>()).add(e);
        }
        Map<UUID, Head> heads = lockHeads(c, byChain.keySet());
        if (heads.size() < byChain.size()) {
            try (PreparedStatement ps = c.prepareStatement(CREATE_HEADS)) {
                ps.setBytes(1, ChainHash.GENESIS);
                ps.setBytes(2, ChainHash.GENESIS);
                ps.setArray(3, c.createArrayOf("uuid", byChain.keySet().stream().filter(k -> !heads.containsKey(k)).toArray()));
                ps.executeUpdate();
            }
            heads.putAll(lockHeads(c, byChain.keySet()));
        }
        try (PreparedStatement insert = c.prepareStatement(INSERT);
             PreparedStatement update = c.prepareStatement(UPDATE_HEAD)) {
            List<SecurityEvent> alerts = new ArrayList<>();
            for (Map.Entry<UUID, List<SecurityEvent>> chain : byChain.entrySet()) {
                Head head = heads.get(chain.getKey());
                long seq = head.seq();
                byte[] prev = head.hash();
                for (SecurityEvent e : chain.getValue()) {
                    seq++;
                    prev = bind(insert, hasher, e, seq, prev);
                    insert.addBatch();
                    if (e.riskLevel().compareTo(RiskLevel.HIGH) >= 0) {
                        alerts.add(e);
                    }
                }
                update.setLong(1, seq);
                update.setBytes(2, prev);
                update.setObject(3, chain.getKey());
                update.addBatch();
            }
            insert.executeBatch();
            update.executeBatch();
            if (!alerts.isEmpty() && !alertWebhookIds.isEmpty()) {
                enqueueAlerts(c, alerts);
            }
        }
    }

    private byte[] bind(PreparedStatement ps, ChainHash hasher, SecurityEvent e, long seq, byte[] prev) throws SQLException {
        Instant at = e.occurredAt().truncatedTo(ChronoUnit.MICROS);
        DetailsPolicy.Split split = details.split(e.details());
        byte[] salt = new byte[ChainHash.SALT_BYTES];
        random.nextBytes(salt);
        String ip = e.clientIp().orElse(null);
        String ua = e.userAgent().orElse(null);
        byte[] personal = hasher.personalDigest(salt, ip, ua, split.personalText());
        UUID org = e.orgId().orElse(null);
        UUID actor = e.actorId().orElse(null);
        String resource = e.resource().orElse(null);
        String requestId = e.requestId().orElse(null);
        byte[] hash = hasher.recordHash(new ChainHash.Fields(prev, e.eventId(), micros(at), e.type().name(), org, actor,
                e.actorType().name(), e.action(), resource, e.success(), split.detailsText(), requestId, e.riskScore(), personal));
        ps.setObject(1, e.eventId());
        ps.setTimestamp(2, Timestamp.from(at));
        ps.setString(3, e.type().name());
        setUuid(ps, 4, org);
        setUuid(ps, 5, actor);
        ps.setString(6, e.actorType().name());
        ps.setString(7, e.action());
        ps.setString(8, resource);
        ps.setString(9, ip);
        ps.setString(10, ua);
        ps.setBoolean(11, e.success());
        ps.setString(12, requestId);
        ps.setDouble(13, e.riskScore());
        ps.setString(14, e.riskLevel().wire());
        ps.setLong(15, seq);
        ps.setShort(16, (short) ChainHash.FORMAT);
        ps.setString(17, split.detailsText());
        ps.setString(18, split.personalText());
        ps.setBytes(19, salt);
        ps.setBytes(20, personal);
        ps.setBytes(21, prev);
        ps.setBytes(22, hash);
        return hash;
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

    private record Head(long seq, byte[] hash) {}
}
