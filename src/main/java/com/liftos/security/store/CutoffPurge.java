package com.liftos.security.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;

/** {@link Purge#olderThan}: one statement, a page range and a cutoff. */
record CutoffPurge(String table, Duration retention, String sql, int cutoffs) implements Purge {
    CutoffPurge(String table, Duration retention, String sql) {
        this(table, retention, sql, (int) sql.chars().filter(ch -> ch == '?').count() - 2);
    }

    CutoffPurge {
        if (cutoffs < 1 || !sql.contains("ctid >= ?::tid AND ctid < ?::tid")) {
            throw new IllegalArgumentException("a purge statement takes the page range first, then the cutoff: " + table);
        }
        if (retention.isNegative()) {
            throw new IllegalArgumentException("negative retention for " + table);
        }
    }

    @Override
    public int purge(Connection c, Instant now, Pages pages) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, pages.fromTid());
            ps.setString(2, pages.toTid());
            Timestamp cutoff = Timestamp.from(now.minus(retention));
            for (int i = 0; i < cutoffs; i++) {
                ps.setTimestamp(3 + i, cutoff);
            }
            return ps.executeUpdate();
        }
    }
}
