package com.liftos.security.audit;

import com.liftos.security.store.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Walks chains in {@code seq} order with a server-side cursor (constant memory) and reports the first record that
 * was modified (its content no longer matches its hash, or its personal fields no longer match their digest),
 * deleted (a link points at a record that is not there), inserted (the chain skips the record), or reordered
 * (two neighbours exchanged). Signed checkpoints catch a chain that was rewritten and re-hashed up to the
 * checkpoint; the head row catches a truncated tail; the signed anchor covers the purged prefix.
 */
public final class ChainVerifier {
    private static final int FETCH = 5_000;
    private static final String COLUMNS = """
            chain, seq, event_id, occurred_at, event_type, org_id, actor_id, actor_type, action, resource, success,
            details_text, request_id, risk_score, client_ip, user_agent, personal_text, personal_salt, personal_digest,
            pseudonymized, prev_hash, hash, format
            """;

    private final Db db;
    private final Optional<AuditKey> key;

    public ChainVerifier(Db db, Optional<AuditKey> key) {
        this.db = db;
        this.key = key;
    }

    /** Verifies one chain (an organization, or {@link ChainAppender#SYSTEM_CHAIN}). */
    public ChainStatus verify(UUID chain) {
        List<ChainStatus> all = run(Optional.of(chain));
        return all.isEmpty() ? new ChainStatus.Intact(chain, 0, 0, 0, 0, 0, 0) : all.getFirst();
    }

    /** Verifies every chain, including rows of chains that have no head. */
    public List<ChainStatus> verifyAll() {
        return run(Optional.empty());
    }

    private List<ChainStatus> run(Optional<UUID> only) {
        return db.tx(c -> {
            // One snapshot for heads, checkpoints and rows, so concurrent appends never look like tampering.
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            Map<UUID, HeadRow> heads = heads(c, only);
            Map<UUID, Deque<Checkpoint>> checkpoints = checkpoints(c, only);
            Map<UUID, ChainStatus> results = new LinkedHashMap<>();
            String sql = "SELECT " + COLUMNS + " FROM audit_events"
                    + (only.isPresent() ? " WHERE chain = ?" : "") + " ORDER BY chain, seq";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setFetchSize(FETCH);
                // Server-prepared from the first run, so rows arrive in binary: no text parsing of uuid, bytea, timestamps.
                ps.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(-1);
                if (only.isPresent()) {
                    ps.setObject(1, only.get());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    Walk walk = null;
                    RowReader reader = new RowReader(rs);
                    Row row = reader.next();
                    while (row != null) {
                        Row next = reader.next();
                        if (walk == null || !walk.chain.equals(row.chain)) {
                            if (walk != null) {
                                results.put(walk.chain, walk.finish());
                            }
                            walk = new Walk(row.chain, heads.remove(row.chain),
                                    checkpoints.getOrDefault(row.chain, new ArrayDeque<>()));
                        }
                        if (walk.result == null) {
                            walk.step(row, next != null && next.chain.equals(row.chain) ? next : null);
                        }
                        row = next;
                    }
                    if (walk != null) {
                        results.put(walk.chain, walk.finish());
                    }
                }
            }
            // Chains whose head exists but which have no rows left.
            for (Map.Entry<UUID, HeadRow> h : heads.entrySet()) {
                Walk empty = new Walk(h.getKey(), h.getValue(), checkpoints.getOrDefault(h.getKey(), new ArrayDeque<>()));
                results.put(h.getKey(), empty.finish());
            }
            return new ArrayList<>(results.values());
        });
    }

    private final class Walk {
        final UUID chain;
        final HeadRow head;
        final Deque<Checkpoint> checkpoints;
        final ChainHash hasher = new ChainHash();
        ChainStatus result;
        byte[] expectedPrev;
        byte[] prevPrev;
        Row prevRow;
        long expectedSeq;
        long count;
        long pseudonymized;
        int checkpointsVerified;
        long lastCheckpointSeq;

        Walk(UUID chain, HeadRow head, Deque<Checkpoint> checkpoints) {
            this.chain = chain;
            this.head = head;
            this.checkpoints = checkpoints;
            if (head == null) {
                result = new ChainStatus.Tampered(chain, 0, ChainStatus.Problem.INSERTED, 0, Optional.empty(),
                        "records exist for a chain that has no head");
                return;
            }
            expectedPrev = head.anchorHash;
            expectedSeq = head.anchorSeq + 1;
            if (head.anchorSeq > 0 && !key.map(k -> k.verify(head.anchorKeyId, head.anchorSignature, "anchor", chain,
                    head.anchorSeq, head.anchorHash, Instant.EPOCH)).orElse(true)) {
                result = new ChainStatus.Tampered(chain, 0, ChainStatus.Problem.CHECKPOINT_INVALID, head.anchorSeq,
                        Optional.empty(), "the retention anchor's signature does not verify");
                return;
            }
            while (!checkpoints.isEmpty() && checkpoints.peekFirst().seq <= head.anchorSeq) {
                checkpoints.removeFirst();
            }
            for (Checkpoint cp : checkpoints) {
                if (key.isPresent() && !key.get().verify(cp.keyId, cp.signature, "checkpoint", chain, cp.seq, cp.hash, cp.createdAt)) {
                    result = new ChainStatus.Tampered(chain, 0, ChainStatus.Problem.CHECKPOINT_INVALID, cp.seq, Optional.empty(),
                            "the signed checkpoint at seq " + cp.seq + " does not verify");
                    return;
                }
            }
        }

        void step(Row cur, Row next) {
            if (cur.seq > head.seq) {
                fail(tampered(ChainStatus.Problem.INSERTED, cur, "record beyond the chain head (head is at seq " + head.seq + ")"));
                return;
            }
            if (!Arrays.equals(cur.prevHash, expectedPrev)) {
                fail(classifyBrokenLink(cur, next));
                return;
            }
            if (cur.seq != expectedSeq) {
                fail(tampered(ChainStatus.Problem.MODIFIED, cur, "sequence number was changed (expected " + expectedSeq + ")"));
                return;
            }
            if (cur.pseudonymized) {
                if (cur.clientIp != null || cur.userAgent != null || cur.personalText != null) {
                    fail(tampered(ChainStatus.Problem.MODIFIED, cur, "a pseudonymized record carries personal fields"));
                    return;
                }
                pseudonymized++;
            } else if (cur.salt == null || !Arrays.equals(cur.personalDigest,
                    hasher.personalDigest(cur.salt, cur.clientIp, cur.userAgent, cur.personalText))) {
                fail(tampered(ChainStatus.Problem.MODIFIED, cur, "personal fields do not match their digest"));
                return;
            }
            byte[] computed = cur.format == ChainHash.FORMAT ? hasher.recordHash(cur.fields()) : null;
            if (!Arrays.equals(computed, cur.hash)) {
                fail(tampered(ChainStatus.Problem.MODIFIED, cur, "content does not match the record hash"));
                return;
            }
            while (!checkpoints.isEmpty() && checkpoints.peekFirst().seq <= cur.seq) {
                Checkpoint cp = checkpoints.removeFirst();
                if (cp.seq != cur.seq || !Arrays.equals(cp.hash, cur.hash)) {
                    fail(tampered(ChainStatus.Problem.MODIFIED, cur,
                            "the chain up to seq " + cp.seq + " was rewritten: it no longer matches the signed checkpoint"));
                    return;
                }
                checkpointsVerified++;
                lastCheckpointSeq = cp.seq;
            }
            prevPrev = expectedPrev;
            expectedPrev = cur.hash;
            prevRow = cur;
            expectedSeq = cur.seq + 1;
            count++;
        }

        private ChainStatus classifyBrokenLink(Row cur, Row next) {
            if (next != null && Arrays.equals(next.hash, cur.prevHash) && Arrays.equals(next.prevHash, expectedPrev)) {
                return tampered(ChainStatus.Problem.REORDERED, cur, "records at seq " + cur.seq + " and " + next.seq + " were swapped");
            }
            if (next != null && Arrays.equals(next.prevHash, expectedPrev)) {
                return tampered(ChainStatus.Problem.INSERTED, cur, "the chain skips this record: it was inserted");
            }
            if (prevRow != null && Arrays.equals(cur.prevHash, prevPrev)) {
                return tampered(ChainStatus.Problem.INSERTED, prevRow, "the chain skips this record: it was inserted");
            }
            long missing = cur.seq > expectedSeq ? expectedSeq : cur.seq;
            return new ChainStatus.Tampered(chain, count, ChainStatus.Problem.DELETED, missing, Optional.empty(),
                    "the record before seq " + cur.seq + " is missing (deleted, or the previous record was rewritten)");
        }

        ChainStatus finish() {
            if (result != null) {
                return result;
            }
            long last = expectedSeq - 1;
            if (last != head.seq || !Arrays.equals(expectedPrev, head.hash)) {
                return new ChainStatus.Tampered(chain, count, ChainStatus.Problem.DELETED, last + 1, Optional.empty(),
                        "records at the end of the chain are missing (head is at seq " + head.seq + ")");
            }
            if (!checkpoints.isEmpty()) {
                return new ChainStatus.Tampered(chain, count, ChainStatus.Problem.DELETED, checkpoints.peekFirst().seq,
                        Optional.empty(), "a signed checkpoint names a record that is missing");
            }
            return new ChainStatus.Intact(chain, count, head.anchorSeq, head.seq, checkpointsVerified, lastCheckpointSeq, pseudonymized);
        }

        private void fail(ChainStatus status) {
            result = status;
        }

        private ChainStatus tampered(ChainStatus.Problem p, Row r, String message) {
            return new ChainStatus.Tampered(chain, count, p, r.seq, Optional.of(r.eventId), message);
        }
    }

    private static Map<UUID, HeadRow> heads(Connection c, Optional<UUID> only) throws SQLException {
        Map<UUID, HeadRow> heads = new HashMap<>();
        String sql = "SELECT chain, seq, hash, anchor_seq, anchor_hash, anchor_key_id, anchor_signature FROM audit_chain_heads"
                + (only.isPresent() ? " WHERE chain = ?" : "");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (only.isPresent()) {
                ps.setObject(1, only.get());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    heads.put(rs.getObject(1, UUID.class), new HeadRow(rs.getLong(2), rs.getBytes(3), rs.getLong(4),
                            rs.getBytes(5), rs.getString(6), rs.getBytes(7)));
                }
            }
        }
        return heads;
    }

    private static Map<UUID, Deque<Checkpoint>> checkpoints(Connection c, Optional<UUID> only) throws SQLException {
        Map<UUID, Deque<Checkpoint>> all = new HashMap<>();
        String sql = "SELECT chain, seq, hash, created_at, key_id, signature FROM audit_checkpoints"
                + (only.isPresent() ? " WHERE chain = ?" : "") + " ORDER BY chain, seq";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (only.isPresent()) {
                ps.setObject(1, only.get());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    all.computeIfAbsent(rs.getObject(1, UUID.class), k -> new ArrayDeque<>()).add(new Checkpoint(
                            rs.getLong(2), rs.getBytes(3), rs.getTimestamp(4).toInstant(), rs.getString(5), rs.getBytes(6)));
                }
            }
        }
        return all;
    }

    private record HeadRow(long seq, byte[] hash, long anchorSeq, byte[] anchorHash, String anchorKeyId, byte[] anchorSignature) {}

    private record Checkpoint(long seq, byte[] hash, Instant createdAt, String keyId, byte[] signature) {}

    private record Row(UUID chain, long seq, UUID eventId, long occurredMicros, String eventType, UUID orgId, UUID actorId,
                       String actorType, String action, String resource, boolean success, String detailsText,
                       String requestId, double riskScore, String clientIp, String userAgent, String personalText,
                       byte[] salt, byte[] personalDigest, boolean pseudonymized, byte[] prevHash, byte[] hash, int format) {
        ChainHash.Fields fields() {
            return new ChainHash.Fields(prevHash, eventId, occurredMicros, eventType, orgId, actorId, actorType, action,
                    resource, success, detailsText, requestId, riskScore, personalDigest);
        }
    }

    private static final class RowReader {
        private final ResultSet rs;

        RowReader(ResultSet rs) {
            this.rs = rs;
        }

        Row next() throws SQLException {
            if (!rs.next()) {
                return null;
            }
            return new Row(rs.getObject(1, UUID.class), rs.getLong(2), rs.getObject(3, UUID.class),
                    ChainAppender.micros(rs.getTimestamp(4).toInstant()), rs.getString(5), rs.getObject(6, UUID.class),
                    rs.getObject(7, UUID.class), rs.getString(8), rs.getString(9), rs.getString(10), rs.getBoolean(11),
                    rs.getString(12), rs.getString(13), rs.getDouble(14), rs.getString(15), rs.getString(16),
                    rs.getString(17), rs.getBytes(18), rs.getBytes(19), rs.getBoolean(20), rs.getBytes(21), rs.getBytes(22),
                    rs.getInt(23));
        }
    }
}
