package com.liftos.security.audit;

import com.liftos.security.store.Db;
import com.liftos.security.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's audit log: {@link #record(SecurityEvent)} queues the event for one writer thread, which drains the
 * queue into a single transaction (one multi-row insert per batch, one fsync) and then completes every caller's
 * future; a caller returns only after its batch has committed. Throughput therefore grows with concurrency instead
 * of being bounded by one commit per event.
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
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(16_384);
    private final Thread writer;
    private final Runnable onBatch;
    private volatile boolean closed;

    private record Pending(ChainAppender.Prepared event, CompletableFuture<Void> done) {}

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
        this.writer = Thread.ofPlatform().name("audit-writer").daemon(true).start(this::run);
    }

    @Override
    public void record(SecurityEvent event) {
        if (closed) {
            throw new StoreException("audit log is shut down");
        }
        Pending p = new Pending(appender.prepare(event), new CompletableFuture<>());
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    queue.put(p);
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            // Wait even when interrupted: the caller must not report success or failure before the outcome is known.
            while (true) {
                try {
                    p.done().get(1, TimeUnit.SECONDS);
                    return;
                } catch (TimeoutException e) {
                    if (!writer.isAlive() && !p.done().isDone()) {
                        throw new StoreException("audit log is shut down");
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException re ? re : new StoreException("audit write failed", e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
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

    private void run() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (!closed || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("audit writer failed on a batch: {}", e.getClass().getSimpleName());
                batch.forEach(p -> p.done().completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    private void write(List<Pending> batch) {
        if (heads.size() > 10_000) {
            heads.clear();
        }
        List<Pending> pending = batch;
        try {
            for (int attempt = 0; attempt < ATTEMPTS && !pending.isEmpty(); attempt++) {
                List<Pending> todo = pending;
                List<ChainAppender.Prepared> events = todo.stream().map(Pending::event).toList();
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
                List<Pending> retry = new ArrayList<>();
                List<Pending> done = new ArrayList<>();
                for (Pending p : todo) {
                    (result.stale().contains(p.event().chain()) ? retry : done).add(p);
                }
                done.forEach(p -> p.done().complete(null));
                onBatch.run();
                done.forEach(p -> listener.onEvent(p.event().event()));
                pending = retry;
            }
            if (!pending.isEmpty()) {
                // Heads kept moving under concurrent transactional writers: take the locks instead.
                writeLocked(pending);
            }
        } catch (StoreException | IllegalArgumentException e) {
            pending.forEach(p -> heads.remove(p.event().chain()));
            if (pending.size() == 1) {
                pending.getFirst().done().completeExceptionally(e);
                return;
            }
            for (Pending p : pending) {
                write(List.of(p));
            }
        }
    }

    private void writeLocked(List<Pending> batch) {
        List<ChainAppender.Prepared> events = batch.stream().map(Pending::event).toList();
        RuntimeException failure = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try {
                Map<UUID, ChainAppender.Head> advanced = db.tx(c -> appender.appendPrepared(c, events, Map.of()));
                heads.putAll(advanced);
                batch.forEach(p -> p.done().complete(null));
                onBatch.run();
                events.forEach(e -> listener.onEvent(e.event()));
                return;
            } catch (StoreException e) {
                failure = e;
                if (!(e.getCause() instanceof SQLException sql) || !retryable(sql.getSQLState())) {
                    break;
                }
            }
        }
        throw failure;
    }

    private static boolean retryable(String state) {
        return "40P01".equals(state) || "40001".equals(state);
    }

    @Override
    public void close() {
        closed = true;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
