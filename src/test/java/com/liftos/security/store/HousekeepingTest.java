package com.liftos.security.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The upkeep mechanism: a purge walks the whole table a stretch of pages at a time and removes exactly what its rule
 * says, then vacuums; an instance that does not get a job's lock skips it, so concurrent instances do the work once;
 * a table that doubled gets fresh planner statistics, once.
 */
class HousekeepingTest {
    static HikariDataSource ds;

    @BeforeAll
    static void open() {
        ds = TestDatabase.fresh().dataSource(6);
    }

    @AfterAll
    static void close() {
        ds.close();
    }

    static long scalar(String sql) {
        return new Db(ds).run(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    static void exec(String sql) {
        new Db(ds).run(c -> {
            try (Statement st = c.createStatement()) {
                st.execute(sql);
            }
            return null;
        });
    }

    /** {@code rows} rows of about 250 bytes (some 30 per page), every third one 2 days old. */
    static void fill(String table, int rows) {
        exec("CREATE TABLE " + table + " (id int, at timestamptz, pad text)");
        exec("INSERT INTO " + table + " SELECT g, now() - CASE WHEN g % 3 = 0 THEN interval '2 days' ELSE interval '1 hour' END,"
                + " repeat('x', 220) FROM generate_series(1, " + rows + ") g");
    }

    static Purge dayOld(String table) {
        return Purge.olderThan(table, Duration.ofDays(1), "DELETE FROM " + table + " WHERE ctid >= ?::tid AND ctid < ?::tid AND at < ?");
    }

    @Test
    void aPurgeWalksEveryPageRemovesExactlyItsRowsAndVacuums() {
        fill("walked", 20_000);
        assertThat(scalar("SELECT pg_relation_size('walked') / 8192")).isGreaterThan(3L * Housekeeping.PAGES_PER_STATEMENT);
        Map<String, Long> removed = new Housekeeping(ds, Clock.systemUTC(), List.of(dayOld("walked"))).runPurges();
        assertThat(removed).containsEntry("walked", 6_666L);
        assertThat(scalar("SELECT count(*) FROM walked")).isEqualTo(13_334);
        assertThat(scalar("SELECT count(*) FROM walked WHERE at < now() - interval '1 day'")).isZero();
        assertThat(scalar("SELECT count(*) FROM pg_stat_user_tables WHERE relid = 'walked'::regclass AND last_vacuum IS NOT NULL"))
                .isEqualTo(1);
    }

    @Test
    void anInstanceWithoutTheLockSkipsTheJob() throws Exception {
        fill("locked", 3_000);
        Housekeeping h = new Housekeeping(ds, Clock.systemUTC(), List.of(dayOld("locked")));
        try (Connection other = ds.getConnection()) {
            try (PreparedStatement ps = other.prepareStatement(
                    "SELECT pg_advisory_lock(hashtext('liftos-housekeeping'), hashtext(current_schema() || ' purge locked'))")) {
                ps.executeQuery().close();
            }
            assertThat(h.runPurges()).doesNotContainKey("locked");
            assertThat(scalar("SELECT count(*) FROM locked")).isEqualTo(3_000);
            try (PreparedStatement ps = other.prepareStatement(
                    "SELECT pg_advisory_unlock(hashtext('liftos-housekeeping'), hashtext(current_schema() || ' purge locked'))")) {
                ps.executeQuery().close();
            }
        }
        assertThat(h.runPurges()).containsEntry("locked", 1_000L);
    }

    @Test
    void concurrentInstancesRemoveEachRowOnce() throws Exception {
        fill("shared", 30_000);
        try (ExecutorService pool = Executors.newFixedThreadPool(3)) {
            List<Future<Map<String, Long>>> runs = List.of(
                    pool.submit(() -> new Housekeeping(ds, Clock.systemUTC(), List.of(dayOld("shared"))).runPurges()),
                    pool.submit(() -> new Housekeeping(ds, Clock.systemUTC(), List.of(dayOld("shared"))).runPurges()),
                    pool.submit(() -> new Housekeeping(ds, Clock.systemUTC(), List.of(dayOld("shared"))).runPurges()));
            long total = 0;
            for (Future<Map<String, Long>> run : runs) {
                total += run.get().getOrDefault("shared", 0L);
            }
            assertThat(total).isEqualTo(10_000);
        }
        assertThat(scalar("SELECT count(*) FROM shared")).isEqualTo(20_000);
    }

    @Test
    void aTableThatDoubledGetsFreshStatisticsOnce() {
        exec("CREATE TABLE grown (id int PRIMARY KEY)");
        exec("INSERT INTO grown VALUES (1)");
        exec("ANALYZE grown");
        Housekeeping h = new Housekeeping(ds, Clock.systemUTC(), List.of());
        assertThat(h.refreshStatistics()).doesNotContain("grown");
        exec("INSERT INTO grown SELECT g FROM generate_series(2, 100000) g");
        assertThat(h.refreshStatistics()).contains("grown");
        assertThat(scalar("SELECT reltuples::bigint FROM pg_class WHERE oid = 'grown'::regclass")).isGreaterThan(90_000);
        assertThat(h.refreshStatistics()).doesNotContain("grown");
    }
}
