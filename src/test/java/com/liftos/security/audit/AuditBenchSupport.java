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
        UUID org = UUID.randomUUID();
        ChainHash h = new ChainHash();
        SecureRandom random = new SecureRandom();
        HexFormat hex = HexFormat.of();
        byte[] prev = ChainHash.GENESIS;
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            int chunk = 50_000;
            for (int from = 0; from < records; from += chunk) {
                StringBuilder sb = new StringBuilder(chunk * 400);
                for (int i = from; i < Math.min(records, from + chunk); i++) {
                    UUID id = UUID.randomUUID();
                    UUID actor = UUID.randomUUID();
                    long micros = ChainAppender.micros(start.plusMillis(i * 10L));
                    String details = "{\"key_name\":\"default\",\"provider\":\"meta\"}";
                    String ip = "10.0." + (i % 250) + "." + (i % 200);
                    byte[] salt = new byte[16];
                    random.nextBytes(salt);
                    byte[] digest = h.personalDigest(salt, ip, "bench", null);
                    byte[] hash = h.recordHash(new ChainHash.Fields(prev, id, micros, "API_KEY_ACCESSED", org, actor,
                            "SERVICE_ACCOUNT", "retrieve", "credential:meta/default", true, details, "r" + i, 0.1, digest));
                    Instant at = Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000);
                    sb.append(id).append('\t').append(at).append("\tAPI_KEY_ACCESSED\t").append(org).append('\t').append(actor)
                            .append("\tSERVICE_ACCOUNT\tretrieve\tcredential:meta/default\t").append(ip).append("\tbench\tt\tr").append(i)
                            .append("\t0.1\tlow\t").append(i + 1).append("\t1\t").append(details.replace("\\", "\\\\"))
                            .append("\t\\N\t\\\\x").append(hex.formatHex(salt)).append("\t\\\\x").append(hex.formatHex(digest))
                            .append("\t\\\\x").append(hex.formatHex(prev)).append("\t\\\\x").append(hex.formatHex(hash)).append('\n');
                    prev = hash;
                }
                copy.copyIn("COPY audit_events (event_id, occurred_at, event_type, org_id, actor_id, actor_type, action, resource,"
                        + " client_ip, user_agent, success, request_id, risk_score, risk_level, seq, format, details_text,"
                        + " personal_text, personal_salt, personal_digest, prev_hash, hash) FROM STDIN", new StringReader(sb.toString()));
            }
            try (var ps = c.prepareStatement("INSERT INTO audit_chain_heads (chain, seq, hash, anchor_seq, anchor_hash) VALUES (?, ?, ?, 0, ?)")) {
                ps.setObject(1, org);
                ps.setLong(2, records);
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
