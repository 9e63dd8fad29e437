package com.liftos.security.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;

/**
 * One owner's retention rule for one of its tables: which rows (or fields) it no longer needs. {@link Housekeeping}
 * walks the table's heap a few pages at a time and calls {@link #purge} for each stretch, so every statement is
 * short, holds its row locks briefly, and the whole walk reads the table once; the owner writes the SQL (only it may
 * touch the table), bounded by the page range:
 *
 * <pre>{@code DELETE FROM t WHERE ctid >= ?::tid AND ctid < ?::tid AND <no longer needed at now>}</pre>
 *
 * <p>A purge must be idempotent: several instances may run it, and a stretch may be walked again.
 */
public interface Purge {
    /** The table walked (in the connection's schema). */
    String table();

    /**
     * Removes what is no longer needed at {@code now} among the rows on heap pages {@code [pages.first(), pages.end())},
     * with one statement on {@code c} (auto-commit); returns how many rows it removed or changed.
     */
    int purge(Connection c, Instant now, Pages pages) throws SQLException;

    /**
     * A purge of rows older than {@code retention}: {@code sql}'s first two parameters are the stretch's tuple ids
     * ({@code ctid >= ?::tid AND ctid < ?::tid}), every further {@code ?} is the cutoff, {@code now - retention}.
     */
    static Purge olderThan(String table, Duration retention, String sql) {
        return new CutoffPurge(table, retention, sql);
    }

    /** A stretch of heap pages, {@code first} included, {@code end} excluded, as the tuple ids that bound it. */
    record Pages(long first, long end) {
        public Pages {
            if (first < 0 || end <= first) {
                throw new IllegalArgumentException("empty or negative page range");
            }
        }

        /** The first tuple id of the stretch, for {@code ctid >= ?::tid}. */
        public String fromTid() {
            return "(" + first + ",0)";
        }

        /** The first tuple id past the stretch, for {@code ctid < ?::tid}. */
        public String toTid() {
            return "(" + end + ",0)";
        }
    }
}
