package com.liftos.security.audit;

import com.liftos.security.store.Db;
import java.io.StringReader;
import java.security.SecureRandom;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/** Package-level access for the benchmark main and heavy tests. */
public final class AuditBenchSupport {
    private AuditBenchSupport() {}

    public record Result(long events, double seconds, double meanBatch, double p99Millis, boolean intact) {}

    public static Result append(DataSource ds, int writers, int seconds) throws InterruptedException {
        Db db = new Db(ds);
        LongAdder batches = new LongAdder();
        ChainAppender appender = new ChainAppender(new SecureRandom(), List.of());
        UUID org = UUID.randomUUID();
        LongAdder events = new LongAdder();
        List<List<Long>> latencies = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        try (GroupCommitAuditLog log = new GroupCommitAuditLog(db, e -> { }, appender, batches::increment)) {
            // Warm-up.
            for (int i = 0; i < 200; i++) {
                log.record(event(org, i));
            }
            batches.reset();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                List<Long> mine = new ArrayList<>();
                latencies.add(mine);
                threads.add(Thread.ofPlatform().start(() -> {
                    int i = 0;
                    while (!stop.get()) {
                        long t = System.nanoTime();
                        log.record(event(org, i++));
                        mine.add(System.nanoTime() - t);
                        events.increment();
                    }
                }));
            }
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            List<Long> all = new ArrayList<>();
            latencies.forEach(all::addAll);
            Collections.sort(all);
            double p99 = all.isEmpty() ? 0 : all.get((int) (all.size() * 0.99)) / 1e6;
            boolean intact = new ChainVerifier(db, Optional.empty()).verify(org).intact();
            return new Result(events.sum(), elapsed, events.sum() / (double) Math.max(1, batches.sum()), p99, intact);
        }
    }

    private static SecurityEvent event(UUID org, int i) {
        return SecurityEvent.builder(SecurityEventType.API_KEY_ACCESSED, "retrieve").org(org)
                .actor(UUID.randomUUID(), SecurityEvent.ActorType.SERVICE_ACCOUNT).resource("credential:meta/default")
                .clientIp("10.0.0." + (i % 200)).userAgent("bench").requestId("bench-" + i)
                .detail("provider", "meta").detail("key_name", "default").risk(0.1).build(Instant.now());
    }

    /** Writes {@code records} correctly chained records into one org chain with COPY, plus the head. */
    public static void fill(DataSource ds, int records) throws Exception {
        fill(ds, records, UUID.randomUUID(), 0, Instant.parse("2026-01-01T00:00:00Z"));
    }

    /**
     * The same into {@code org}'s chain, after its records if it has some, one record every 10 ms from {@code start};
     * with {@code failureEvery} > 0, every such record is a failed sign-in (LOGIN_FAILURE, medium risk) instead: the
     * console's audit search figures (docs/perf/console.md).
     */
    public static void fill(DataSource ds, int records, UUID org, int failureEvery, Instant start) throws Exception {
        ChainHash h = new ChainHash();
        SecureRandom random = new SecureRandom();
        HexFormat hex = HexFormat.of();
        byte[] prev = ChainHash.GENESIS;
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            long seqBase = 0;
            try (var ps = c.prepareStatement("SELECT seq, hash FROM audit_chain_heads WHERE chain = ? FOR UPDATE")) {
                ps.setObject(1, org);
                try (var rs = ps.executeQuery()) {
                    if (rs.next()) {
                        seqBase = rs.getLong(1);
                        prev = rs.getBytes(2);
                    }
                }
            }
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            int chunk = 50_000;
            for (int from = 0; from < records; from += chunk) {
                StringBuilder sb = new StringBuilder(chunk * 400);
                for (int i = from; i < Math.min(records, from + chunk); i++) {
                    UUID id = UUID.randomUUID();
                    UUID actor = UUID.randomUUID();
                    long micros = ChainAppender.micros(start.plusMillis(i * 10L));
                    boolean failure = failureEvery > 0 && i % failureEvery == 0;
                    String type = failure ? "LOGIN_FAILURE" : "API_KEY_ACCESSED";
                    String action = failure ? "login" : "retrieve";
                    String resource = failure ? "user:" + actor : "credential:meta/default";
                    double risk = failure ? 0.5 : 0.1;
                    String details = failure ? "{\"reason\":\"invalid_credentials\"}" : "{\"key_name\":\"default\",\"provider\":\"meta\"}";
                    String ip = "10.0." + (i % 250) + "." + (i % 200);
                    byte[] salt = new byte[16];
                    random.nextBytes(salt);
                    byte[] digest = h.personalDigest(salt, ip, "bench", null);
                    byte[] hash = h.recordHash(new ChainHash.Fields(prev, id, micros, type, org, actor,
                            failure ? "USER" : "SERVICE_ACCOUNT", action, resource, !failure, details, "r" + i, risk, digest));
                    Instant at = Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000);
                    sb.append(id).append('\t').append(at).append('\t').append(type).append('\t').append(org).append('\t').append(actor)
                            .append('\t').append(failure ? "USER" : "SERVICE_ACCOUNT").append('\t').append(action).append('\t')
                            .append(resource).append('\t').append(ip).append("\tbench\t").append(failure ? "f" : "t").append("\tr").append(i)
                            .append(failure ? "\t0.5\tmedium\t" : "\t0.1\tlow\t").append(seqBase + i + 1).append("\t1\t").append(details.replace("\\", "\\\\"))
                            .append("\t\\N\t\\\\x").append(hex.formatHex(salt)).append("\t\\\\x").append(hex.formatHex(digest))
                            .append("\t\\\\x").append(hex.formatHex(prev)).append("\t\\\\x").append(hex.formatHex(hash)).append('\n');
                    prev = hash;
                }
                copy.copyIn("COPY audit_events (event_id, occurred_at, event_type, org_id, actor_id, actor_type, action, resource,"
                        + " client_ip, user_agent, success, request_id, risk_score, risk_level, seq, format, details_text,"
                        + " personal_text, personal_salt, personal_digest, prev_hash, hash) FROM STDIN", new StringReader(sb.toString()));
            }
            try (var ps = c.prepareStatement("INSERT INTO audit_chain_heads (chain, seq, hash, anchor_seq, anchor_hash) VALUES (?, ?, ?, 0, ?)"
                    + " ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash")) {
                ps.setObject(1, org);
                ps.setLong(2, seqBase + records);
                ps.setBytes(3, prev);
                ps.setBytes(4, ChainHash.GENESIS);
                ps.executeUpdate();
            }
            c.commit();
        }
        try (Connection c = ds.getConnection(); var st = c.createStatement()) {
            st.execute("VACUUM ANALYZE audit_events");
        }
    }

    public static String verify(DataSource ds) {
        List<ChainStatus> all = new ChainVerifier(new Db(ds), Optional.empty()).verifyAll();
        long records = all.stream().mapToLong(ChainStatus::recordsChecked).sum();
        boolean intact = all.stream().allMatch(ChainStatus::intact);
        return (intact ? "intact" : "TAMPERED " + all) + " (" + records + " records)";
    }
}
