package com.liftos.security.audit;

import com.liftos.security.store.Db;
import com.liftos.security.store.GroupCommit;
import com.liftos.security.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's audit log: {@link #record(SecurityEvent)} hands the event to a {@link GroupCommit} writer, which
 * drains what is queued into a single transaction (one multi-row insert per batch, one fsync) and then answers
 * every caller; a caller returns only after its batch has committed. Throughput therefore grows with concurrency
 * instead of being bounded by one commit per event.
 *
 * <p>Failure: when a batch fails, its events are retried one by one, so one unwritable event fails only its own
 * caller (with {@link StoreException}). Deadlocks with a {@link #record(Connection, SecurityEvent)} transaction that
 * locks chains in another order are retried. {@link #close()} writes what is queued, then stops.
 */
public final class GroupCommitAuditLog implements AuditLog, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitAuditLog.class);
    static final int MAX_BATCH = 512;
    private static final int ATTEMPTS = 3;

    private final Db db;
    private final SecurityEventListener listener;
    private final ChainAppender appender;
    private final Runnable onBatch;
    /** Each event's outcome: empty once it is durable, else why it is not. */
    private final GroupCommit<ChainAppender.Prepared, Optional<RuntimeException>> writer;

    /** Heads this writer committed last; only the writer thread touches it. */
    private final Map<UUID, ChainAppender.Head> heads = new HashMap<>();

    GroupCommitAuditLog(Db db, SecurityEventListener listener, ChainAppender appender) {
        this(db, listener, appender, () -> { });
    }

    /** {@code onBatch} runs after each committed batch (metrics). */
    GroupCommitAuditLog(Db db, SecurityEventListener listener, ChainAppender appender, Runnable onBatch) {
        this.onBatch = onBatch;
        this.db = db;
        this.listener = listener;
        this.appender = appender;
        this.writer = new GroupCommit<>("audit-writer", MAX_BATCH, this::writeAll);
    }

    @Override
    public void record(SecurityEvent event) {
        Optional<RuntimeException> failure = writer.submit(appender.prepare(event));
        if (failure.isPresent()) {
            throw failure.get();
        }
    }

    @Override
    public void recordAll(List<SecurityEvent> events) {
        List<Optional<RuntimeException>> outcomes = writer.submitAll(events.stream().map(appender::prepare).toList());
        for (Optional<RuntimeException> failure : outcomes) {
            if (failure.isPresent()) {
                throw failure.get();
            }
        }
    }

    @Override
    public void record(Connection transaction, SecurityEvent event) {
        try {
            appender.append(transaction, List.of(event));
        } catch (SQLException e) {
            throw new StoreException("audit write failed: " + e.getSQLState(), e);
        }
        listener.onEvent(event);
    }

    /** Never throws: some events of a batch may be durable already when a later step fails. */
    private List<Optional<RuntimeException>> writeAll(List<ChainAppender.Prepared> batch) {
        Map<ChainAppender.Prepared, Optional<RuntimeException>> outcomes = new IdentityHashMap<>();
        try {
            write(batch, outcomes);
        } catch (RuntimeException e) {
            LOG.error("audit writer failed on a batch: {}", e.getClass().getSimpleName());
            batch.forEach(p -> outcomes.putIfAbsent(p, Optional.of(e)));
        }
        return batch.stream().map(p -> outcomes.getOrDefault(p, Optional.of(new StoreException("audit write failed")))).toList();
    }

    private void write(List<ChainAppender.Prepared> batch, Map<ChainAppender.Prepared, Optional<RuntimeException>> outcomes) {
        if (heads.size() > 10_000) {
            heads.clear();
        }
        List<ChainAppender.Prepared> pending = batch;
        try {
            for (int attempt = 0; attempt < ATTEMPTS && !pending.isEmpty(); attempt++) {
                List<ChainAppender.Prepared> events = pending;
                ChainAppender.StatementResult result = db.run(c -> {
                    Set<UUID> unknown = new TreeSet<>();
                    events.forEach(e -> {
                        if (!heads.containsKey(e.chain())) {
                            unknown.add(e.chain());
                        }
                    });
                    if (!unknown.isEmpty()) {
                        heads.putAll(appender.readHeads(c, unknown));
                    }
                    return appender.appendInOneStatement(c, events, heads);
                });
                heads.putAll(result.advanced());
                result.stale().forEach(heads::remove);
                List<ChainAppender.Prepared> retry = new ArrayList<>();
                List<ChainAppender.Prepared> done = new ArrayList<>();
                for (ChainAppender.Prepared p : events) {
                    (result.stale().contains(p.chain()) ? retry : done).add(p);
                }
                done.forEach(p -> outcomes.put(p, Optional.empty()));
                onBatch.run();
                done.forEach(p -> listener.onEvent(p.event()));
                pending = retry;
            }
            if (!pending.isEmpty()) {
                // Heads kept moving under concurrent transactional writers: take the locks instead.
                writeLocked(pending, outcomes);
            }
        } catch (StoreException | IllegalArgumentException e) {
            pending.forEach(p -> heads.remove(p.chain()));
            if (pending.size() == 1) {
                outcomes.put(pending.getFirst(), Optional.of(e));
                return;
            }
            for (ChainAppender.Prepared p : pending) {
                write(List.of(p), outcomes);
            }
        }
    }

    private void writeLocked(List<ChainAppender.Prepared> events, Map<ChainAppender.Prepared, Optional<RuntimeException>> outcomes) {
        RuntimeException failure = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try {
                Map<UUID, ChainAppender.Head> advanced = db.tx(c -> appender.appendPrepared(c, events, Map.of()));
                heads.putAll(advanced);
                events.forEach(p -> outcomes.put(p, Optional.empty()));
                onBatch.run();
                events.forEach(e -> listener.onEvent(e.event()));
                return;
            } catch (StoreException e) {
                failure = e;
                if (!(e.getCause() instanceof SQLException sql) || !Db.retryable(sql)) {
                    break;
                }
            }
        }
        throw failure;
    }

    @Override
    public void close() {
        writer.close();
    }
}
