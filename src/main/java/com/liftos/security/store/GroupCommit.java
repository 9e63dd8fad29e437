package com.liftos.security.store;

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
 * Group commit for one short write that many callers make at once: {@link #submit} queues the caller's item and
 * waits; one writer thread takes everything queued (up to {@code maxBatch}) and hands it to the batch writer, which
 * writes the lot in one statement and one commit, then every caller gets its own outcome. Throughput then grows
 * with concurrency instead of being bounded by one commit (and one WAL flush) per item; a lone caller pays one
 * thread hand-off.
 *
 * <p>When a batch fails, its items are written again one by one, so one bad item fails only its own caller (with
 * the writer's {@link RuntimeException}). {@link #close()} writes what is queued, then stops.
 */
public final class GroupCommit<I, O> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

    /** Writes a batch; answers one outcome per item, in the items' order. Throws to fail the whole batch. */
    @FunctionalInterface
    public interface BatchWriter<I, O> {
        List<O> write(List<I> items);

        /** Nothing came to write for a while, or the writer stopped: let go of what writing holds (a connection). */
        default void idle() {
        }
    }

    private record Pending<I, O>(I item, CompletableFuture<O> outcome) {}

    private final String name;
    private final int maxBatch;
    private final BatchWriter<I, O> writer;
    private final BlockingQueue<Pending<I, O>> queue = new ArrayBlockingQueue<>(16_384);
    private final Thread thread;
    private volatile boolean closed;

    /** Starts the writer thread, named {@code name}. */
    public GroupCommit(String name, int maxBatch, BatchWriter<I, O> writer) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1");
        }
        this.name = name;
        this.maxBatch = maxBatch;
        this.writer = writer;
        this.thread = Thread.ofPlatform().name(name).daemon(true).start(this::run);
    }

    /** Writes {@code item} with whatever else is queued; returns once its batch has committed. */
    public O submit(I item) {
        return submitAll(List.of(item)).getFirst();
    }

    /**
     * Queues {@code items} back to back, so they usually share one batch (one commit), and returns once every one
     * of them has its outcome, in the items' order (or throws the first failure of the batch writer itself). A lone
     * caller with two items pays one commit, not two.
     */
    public List<O> submitAll(List<I> items) {
        if (closed) {
            throw new StoreException(name + " is shut down");
        }
        List<Pending<I, O>> pending = items.stream().map(i -> new Pending<I, O>(i, new CompletableFuture<>())).toList();
        boolean interrupted = false;
        try {
            for (Pending<I, O> p : pending) {
                while (true) {
                    try {
                        queue.put(p);
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            List<O> outcomes = new ArrayList<>(pending.size());
            for (Pending<I, O> p : pending) {
                // Wait even when interrupted: the caller must not report success or failure before the outcome is known.
                while (true) {
                    try {
                        outcomes.add(p.outcome().get(1, TimeUnit.SECONDS));
                        break;
                    } catch (TimeoutException e) {
                        if (!thread.isAlive() && !p.outcome().isDone()) {
                            throw new StoreException(name + " is shut down");
                        }
                    } catch (InterruptedException e) {
                        interrupted = true;
                    } catch (ExecutionException e) {
                        throw e.getCause() instanceof RuntimeException re ? re : new StoreException(name + " failed", e.getCause());
                    }
                }
            }
            return outcomes;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Items waiting for the writer (tests). */
    int queued() {
        return queue.size();
    }

    private void run() {
        List<Pending<I, O>> batch = new ArrayList<>(maxBatch);
        while (!closed || !queue.isEmpty()) {
            try {
                Pending<I, O> first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    writer.idle();
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    private void write(List<Pending<I, O>> batch) {
        try {
            complete(batch, writer.write(batch.stream().map(Pending::item).toList()));
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                batch.getFirst().outcome().completeExceptionally(e);
                return;
            }
            LOG.warn("{}: a batch of {} failed ({}); writing its items one by one", name, batch.size(), e.getClass().getSimpleName());
            for (Pending<I, O> p : batch) {
                write(List.of(p));
            }
        }
    }

    private void complete(List<Pending<I, O>> batch, List<O> outcomes) {
        if (outcomes.size() != batch.size()) {
            throw new IllegalStateException(name + ": " + outcomes.size() + " outcomes for " + batch.size() + " items");
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).outcome().complete(outcomes.get(i));
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            writer.idle();
        }
    }
}
