package com.liftos.security.audit;

import com.liftos.security.store.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Chain upkeep: signed checkpoints of every head that moved, retention purges that keep the rest verifiable, and
 * pseudonymization of a data subject's personal fields for the privacy feature.
 */
public final class AuditMaintenance {
    private final Db db;
    private final AuditKey key;
    private final AuditLog audit;
    private final Clock clock;

    public AuditMaintenance(Db db, AuditKey key, AuditLog audit, Clock clock) {
        this.db = db;
        this.key = key;
        this.audit = audit;
        this.clock = clock;
    }

    /** Signs a checkpoint for each chain whose head is not checkpointed yet; returns how many were written. */
    public int checkpoint() {
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        return db.tx(c -> {
            record Due(UUID chain, long seq, byte[] hash) {}
            List<Due> due = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT h.chain, h.seq, h.hash FROM audit_chain_heads h
                    WHERE h.seq > h.anchor_seq
                      AND NOT EXISTS (SELECT 1 FROM audit_checkpoints k WHERE k.chain = h.chain AND k.seq = h.seq)
                    """); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    due.add(new Due(rs.getObject(1, UUID.class), rs.getLong(2), rs.getBytes(3)));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO audit_checkpoints (chain, seq, hash, created_at, key_id, signature)
                    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chain, seq) DO NOTHING
                    """)) {
                for (Due d : due) {
                    ps.setObject(1, d.chain());
                    ps.setLong(2, d.seq());
                    ps.setBytes(3, d.hash());
                    ps.setTimestamp(4, Timestamp.from(now));
                    ps.setString(5, key.id());
                    ps.setBytes(6, key.sign("checkpoint", d.chain(), d.seq(), d.hash(), now));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return due.size();
        });
    }

    /** When the newest signed checkpoint of {@code chain} was made; empty before the first. */
    public Optional<Instant> lastCheckpoint(UUID chain) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT max(created_at) FROM audit_checkpoints WHERE chain = ?")) {
                ps.setObject(1, chain);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return Optional.ofNullable(rs.getTimestamp(1)).map(Timestamp::toInstant);
                }
            }
        });
    }

    /**
     * Deletes the oldest records of {@code chain} that are older than {@code retention}: the longest prefix of the
     * chain whose records all precede the cutoff. The hash of the last deleted record becomes the chain's signed
     * anchor, so what remains still verifies. Records a DATA_ERASURE event when anything was purged.
     *
     * @return the number of records deleted
     */
    public long purge(UUID chain, Duration retention) {
        Instant cutoff = clock.instant().minus(retention);
        long deleted = db.tx(c -> {
            long anchorSeq;
            try (PreparedStatement ps = c.prepareStatement("SELECT anchor_seq FROM audit_chain_heads WHERE chain = ? FOR UPDATE")) {
                ps.setObject(1, chain);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return 0L;
                    }
                    anchorSeq = rs.getLong(1);
                }
            }
            Optional<Long> lastOld = lastPurgeable(c, chain, cutoff);
            if (lastOld.isEmpty() || lastOld.get() <= anchorSeq) {
                return 0L;
            }
            long newAnchor = lastOld.get();
            byte[] anchorHash;
            try (PreparedStatement ps = c.prepareStatement("SELECT hash FROM audit_events WHERE chain = ? AND seq = ?")) {
                ps.setObject(1, chain);
                ps.setLong(2, newAnchor);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("audit record to anchor on is missing", "XX001");
                    }
                    anchorHash = rs.getBytes(1);
                }
            }
            long count;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM audit_events WHERE chain = ? AND seq <= ?")) {
                ps.setObject(1, chain);
                ps.setLong(2, newAnchor);
                count = ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM audit_checkpoints WHERE chain = ? AND seq < ?")) {
                ps.setObject(1, chain);
                ps.setLong(2, newAnchor);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE audit_chain_heads SET anchor_seq = ?, anchor_hash = ?, anchor_key_id = ?, anchor_signature = ?
                    WHERE chain = ?
                    """)) {
                ps.setLong(1, newAnchor);
                ps.setBytes(2, anchorHash);
                ps.setString(3, key.id());
                ps.setBytes(4, key.sign("anchor", chain, newAnchor, anchorHash, Instant.EPOCH));
                ps.setObject(5, chain);
                ps.executeUpdate();
            }
            return count;
        });
        if (deleted > 0) {
            SecurityEvent.Builder b = SecurityEvent.builder(SecurityEventType.DATA_ERASURE, "audit_retention_purge")
                    .resource("audit_log").detail("records_deleted", deleted).detail("retention_days", retention.toDays())
                    .detail("cutoff", cutoff.toString());
            if (!chain.equals(ChainAppender.SYSTEM_CHAIN)) {
                b.org(chain);
            }
            audit.record(b.build(clock.instant()));
        }
        return deleted;
    }

    private static Optional<Long> lastPurgeable(Connection c, UUID chain, Instant cutoff) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT coalesce((SELECT min(seq) FROM audit_events WHERE chain = ? AND occurred_at >= ?) - 1,
                                (SELECT max(seq) FROM audit_events WHERE chain = ?))
                """)) {
            ps.setObject(1, chain);
            ps.setTimestamp(2, Timestamp.from(cutoff));
            ps.setObject(3, chain);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long v = rs.getLong(1);
                return rs.wasNull() ? Optional.empty() : Optional.of(v);
            }
        }
    }

    /** Purges every organization's chain by its {@code audit_retention_days}, and the system chain by {@code systemRetention}. */
    public long purgeAll(java.util.function.Function<UUID, Integer> retentionDaysOfOrg, Duration systemRetention) {
        List<UUID> chains = db.run(c -> {
            List<UUID> all = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT chain FROM audit_chain_heads ORDER BY chain");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    all.add(rs.getObject(1, UUID.class));
                }
            }
            return all;
        });
        long total = 0;
        for (UUID chain : chains) {
            Duration retention = chain.equals(ChainAppender.SYSTEM_CHAIN) ? systemRetention
                    : Duration.ofDays(retentionDaysOfOrg.apply(chain));
            total += purge(chain, retention);
        }
        return total;
    }

    /**
     * Erases the personal fields (client IP, user agent, personal details such as an email) of every record about
     * {@code userId} (as actor, or as the {@code user:<id>} resource) and of records naming {@code email}. The
     * records stay in the chain: their hash commits to the stored salted digest, and the salt is destroyed so the
     * digest cannot be brute-forced back to an IP address. The user id itself remains as a pseudonym.
     *
     * @return the number of records pseudonymized
     */
    public int pseudonymizeSubject(UUID userId, Optional<String> email) {
        return db.tx(c -> pseudonymizeSubject(c, userId, email));
    }

    /** As {@link #pseudonymizeSubject(UUID, Optional)}, inside the caller's transaction. */
    public int pseudonymizeSubject(Connection c, UUID userId, Optional<String> email) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE audit_events SET client_ip = NULL, user_agent = NULL, personal_text = NULL, personal_salt = NULL,
                       pseudonymized = true
                WHERE NOT pseudonymized
                  AND (actor_id = ? OR resource = ? OR (?::text IS NOT NULL AND lower(details->>'email') = lower(?::text)))
                """)) {
            ps.setObject(1, userId);
            ps.setString(2, "user:" + userId);
            ps.setString(3, email.orElse(null));
            ps.setString(4, email.orElse(null));
            return ps.executeUpdate();
        }
    }
}
