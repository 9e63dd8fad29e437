package com.liftos.security.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Table upkeep that every instance runs and a fleet does once: each job first takes a session advisory lock (per
 * schema and job) with {@code pg_try_advisory_lock}; an instance that does not get it skips its turn.
 *
 * <ul>
 *   <li><b>Retention purges</b> ({@link #runPurges}, every {@code LIFTOS_PURGE_INTERVAL_SECONDS}): each owner's
 *   {@link Purge} walks its table {@value #PAGES_PER_STATEMENT} heap pages per statement (a tuple-id range scan), so no
 *   statement holds many row locks or runs long, and a walk reads the table once whatever its size. A table the walk
 *   changed is then vacuumed and analyzed: deleted rows become reusable space only after a VACUUM, and autovacuum may be
 *   off, in which case the table would keep growing on disk however much is purged.</li>
 *   <li><b>Planner statistics</b> ({@link #refreshStatistics}, every {@value #STATISTICS_EVERY_SECONDS} s): ANALYZE of
 *   every table of the schema that has doubled in size since its statistics were taken. A server-side prepared
 *   statement runs on a generic plan that PostgreSQL keeps until the table's statistics change; a plan made while a
 *   table was nearly empty scans it whole (the right choice at one page), and without autovacuum it keeps scanning as
 *   the table grows — the refresh rotation went from 0.12 to 1.4 ms of PostgreSQL time per token that way. ANALYZE
 *   invalidates those plans on every connection, and a plan made on a table of some size looks rows up by index. So a
 *   stale plan lives at most until its table doubles (plus one check), and from a few pages on never again; the
 *   cost is one catalog query per check and about log2(size) ANALYZE runs over a table's life.</li>
 * </ul>
 *
 * Statements of the walk are sent unprepared (prepare threshold 0): they run rarely, and each gets a plan for the
 * table as it is now.
 */
public final class Housekeeping implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Housekeeping.class);
    static final int PAGES_PER_STATEMENT = 128;
    static final long STATISTICS_EVERY_SECONDS = 5;
    /** Statistics are refreshed from this size on (pages) even if never taken: below it any plan is cheap. */
    private static final int SMALL_TABLE_PAGES = 4;
    private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]*");

    private final DataSource dataSource;
    private final Clock clock;
    private final List<Purge> purges;
    private final ScheduledExecutorService jobs;

    /** Upkeep run only when called ({@link #runPurges}, {@link #refreshStatistics}): tests and tools. */
    public Housekeeping(DataSource dataSource, Clock clock, List<Purge> purges) {
        this(dataSource, clock, purges, null);
    }

    private Housekeeping(DataSource dataSource, Clock clock, List<Purge> purges, ScheduledExecutorService jobs) {
        for (Purge p : purges) {
            if (!TABLE.matcher(p.table()).matches()) {
                throw new IllegalArgumentException("not a plain table name: " + p.table());
            }
        }
        this.dataSource = dataSource;
        this.clock = clock;
        this.purges = List.copyOf(purges);
        this.jobs = jobs;
    }

    /** Starts both jobs on a background thread: statistics every few seconds, purges every {@code purgeEvery}. */
    public static Housekeeping start(DataSource dataSource, Clock clock, List<Purge> purges, Duration purgeEvery) {
        ScheduledExecutorService jobs = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("liftos-housekeeping").daemon(true).unstarted(r));
        Housekeeping h = new Housekeeping(dataSource, clock, purges, jobs);
        jobs.scheduleWithFixedDelay(() -> h.quietly("planner statistics", h::refreshStatistics),
                STATISTICS_EVERY_SECONDS, STATISTICS_EVERY_SECONDS, TimeUnit.SECONDS);
        jobs.scheduleWithFixedDelay(() -> h.quietly("retention purge", h::runPurges),
                purgeEvery.toSeconds(), purgeEvery.toSeconds(), TimeUnit.SECONDS);
        return h;
    }

    /**
     * Runs every purge whose lock this instance gets, then vacuums each table it changed; returns the rows removed (or
     * changed) per table walked.
     */
    public Map<String, Long> runPurges() {
        Map<String, Long> removed = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            PGConnection pg = c.unwrap(PGConnection.class);
            int threshold = pg.getPrepareThreshold();
            pg.setPrepareThreshold(0);
            try {
                for (Purge p : purges) {
                    String job = "purge " + p.table();
                    if (!lock(c, job)) {
                        continue;
                    }
                    try {
                        long n = walk(c, p);
                        removed.merge(p.table(), n, Long::sum);
                        if (n > 0) {
                            LOG.info("retention purge: {} rows of {} no longer needed", n, p.table());
                            try (Statement st = c.createStatement()) {
                                st.execute("VACUUM (ANALYZE) " + quoted(p.table()));
                            }
                        }
                    } finally {
                        unlock(c, job);
                    }
                }
            } finally {
                pg.setPrepareThreshold(threshold);
            }
        } catch (SQLException e) {
            throw new StoreException("retention purge failed: " + e.getSQLState(), e);
        }
        return removed;
    }

    /** One pass over the table, a stretch of pages per statement; a stretch that deadlocked is walked again once. */
    private long walk(Connection c, Purge p) throws SQLException {
        Instant now = clock.instant();
        long pages;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT coalesce(pg_relation_size(to_regclass(?)), 0) / current_setting('block_size')::bigint")) {
            ps.setString(1, p.table());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                pages = rs.getLong(1);
            }
        }
        long n = 0;
        for (long first = 0; first < pages; first += PAGES_PER_STATEMENT) {
            Purge.Pages stretch = new Purge.Pages(first, first + PAGES_PER_STATEMENT);
            try {
                n += p.purge(c, now, stretch);
            } catch (SQLException e) {
                if (!Db.retryable(e)) {
                    throw e;
                }
                n += p.purge(c, now, stretch);
            }
        }
        return n;
    }

    /** ANALYZEs every table of the schema that has doubled since its statistics were taken; returns their names. */
    public List<String> refreshStatistics() {
        List<String> stale = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            if (!lock(c, "statistics")) {
                return stale;
            }
            try {
                try (PreparedStatement ps = c.prepareStatement("""
                        SELECT c.relname FROM pg_class c
                        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
                          AND pg_relation_size(c.oid) >= 2 * greatest(c.relpages, ?)::bigint * current_setting('block_size')::bigint
                        ORDER BY c.relname""")) {
                    ps.setInt(1, SMALL_TABLE_PAGES);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            stale.add(rs.getString(1));
                        }
                    }
                }
                for (String table : stale) {
                    try (Statement st = c.createStatement()) {
                        st.execute("ANALYZE " + quoted(table));
                    }
                }
            } finally {
                unlock(c, "statistics");
            }
        } catch (SQLException e) {
            throw new StoreException("refreshing planner statistics failed: " + e.getSQLState(), e);
        }
        if (!stale.isEmpty()) {
            LOG.info("planner statistics refreshed for tables that doubled: {}", stale);
        }
        return stale;
    }

    private static String quoted(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private static boolean lock(Connection c, String job) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pg_try_advisory_lock(hashtext('liftos-housekeeping'), hashtext(current_schema() || ' ' || ?))")) {
            ps.setString(1, job);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static void unlock(Connection c, String job) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pg_advisory_unlock(hashtext('liftos-housekeeping'), hashtext(current_schema() || ' ' || ?))")) {
            ps.setString(1, job);
            ps.executeQuery().close();
        }
    }

    private void quietly(String job, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            LOG.warn("housekeeping {} failed: {}", job, e.getClass().getSimpleName());
        }
    }

    /** Stops the jobs, letting a running statement finish (the pool closes after this). */
    @Override
    public void close() {
        if (jobs == null) {
            return;
        }
        jobs.shutdownNow();
        try {
            jobs.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
