package com.liftos.security.audit;

import com.liftos.security.store.Db;
import com.liftos.security.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
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
    private volatile boolean closed;

    private record Pending(SecurityEvent event, CompletableFuture<Void> done) {}

    GroupCommitAuditLog(Db db, SecurityEventListener listener, ChainAppender appender) {
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
        Pending p = new Pending(event, new CompletableFuture<>());
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
        List<SecurityEvent> events = batch.stream().map(Pending::event).toList();
        RuntimeException failure = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try {
                db.tx(c -> {
                    appender.append(c, events);
                    return null;
                });
                batch.forEach(p -> p.done().complete(null));
                events.forEach(listener::onEvent);
                return;
            } catch (StoreException | IllegalArgumentException e) {
                failure = e;
                if (!(e.getCause() instanceof SQLException sql) || !retryable(sql.getSQLState())) {
                    break;
                }
            }
        }
        if (batch.size() == 1) {
            batch.getFirst().done().completeExceptionally(failure);
            return;
        }
        for (Pending p : batch) {
            write(List.of(p));
        }
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
