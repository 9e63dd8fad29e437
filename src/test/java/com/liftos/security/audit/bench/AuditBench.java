package com.liftos.security.audit.bench;

import com.liftos.security.audit.AuditBenchSupport;
import com.liftos.security.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Locale;

/**
 * Benchmark main for the audit figures (run by bench/audit.sh against TEST_DATABASE_URL or an embedded server):
 * <ul>
 *   <li>{@code append [writers] [seconds]}: durable chained appends through the group-commit writer from N threads
 *       into one organization's chain (the contended case); prints events/s.</li>
 *   <li>{@code verify [records]}: writes N correctly chained records with COPY, then times a full verification.</li>
 * </ul>
 */
public final class AuditBench {
    private AuditBench() {}

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "append";
        String reuse = System.getenv("AUDIT_BENCH_SCHEMA");
        TestDatabase.Schema schema = reuse == null ? TestDatabase.fresh() : TestDatabase.existing(reuse);
        try (HikariDataSource ds = schema.dataSource(24)) {
            switch (mode) {
                case "append" -> {
                    int writers = args.length > 1 ? Integer.parseInt(args[1]) : 16;
                    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
                    AuditBenchSupport.Result r = AuditBenchSupport.append(ds, writers, seconds);
                    System.out.printf(Locale.ROOT, "append: %d writers, %d events in %.1f s = %.0f events/s durable (mean batch %.1f, p99 latency %.1f ms); chain intact=%s%n",
                            writers, r.events(), r.seconds(), r.events() / r.seconds(), r.meanBatch(), r.p99Millis(), r.intact());
                }
                case "verify" -> {
                    int records = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
                    if (reuse == null) {
                        long t0 = System.nanoTime();
                        AuditBenchSupport.fill(ds, records);
                        System.out.printf(Locale.ROOT, "fill: %d chained records written in %.1f s into schema %s%n", records,
                                (System.nanoTime() - t0) / 1e9, schema.name());
                    }
                    System.out.println("DATABASE_URL=" + schema.databaseUrl());
                    for (int run = 1; run <= 3; run++) {
                        long t1 = System.nanoTime();
                        String status = AuditBenchSupport.verify(ds);
                        System.out.printf(Locale.ROOT, "verify run %d: %s in %.2f s%n", run, status, (System.nanoTime() - t1) / 1e9);
                    }
                }
                default -> throw new IllegalArgumentException("mode: append | verify");
            }
        }
        System.exit(0);
    }
}
