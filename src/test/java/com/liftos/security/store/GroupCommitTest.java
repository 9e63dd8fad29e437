package com.liftos.security.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The batching itself, with a batch writer that records what it was given (the stores' own tests use real ones). */
class GroupCommitTest {

    @Test
    void concurrentCallersShareBatchesAndEachGetsItsOwnOutcome() throws Exception {
        List<Integer> batchSizes = new ArrayList<>();
        try (GroupCommit<Integer, String> commit = new GroupCommit<>("test-writer", 64, items -> {
            batchSizes.add(items.size());
            sleep(20);
            return items.stream().map(i -> "done-" + i).toList();
        })) {
            List<Future<String>> results = submitAtOnce(commit, 100);
            for (int i = 0; i < 100; i++) {
                assertThat(results.get(i).get()).isEqualTo("done-" + i);
            }
        }
        assertThat(batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(100);
        assertThat(batchSizes.size()).isLessThan(50);
        assertThat(batchSizes).allMatch(n -> n <= 64);
    }

    @Test
    void aFailingItemFailsOnlyItsOwnCaller() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (GroupCommit<Integer, Integer> commit = new GroupCommit<>("test-writer", 64, items -> {
            calls.incrementAndGet();
            sleep(20);
            if (items.contains(13)) {
                throw new StoreException("cannot write 13");
            }
            return items;
        })) {
            List<Future<Integer>> results = submitAtOnce(commit, 30);
            for (int i = 0; i < 30; i++) {
                if (i == 13) {
                    Future<Integer> failed = results.get(i);
                    assertThatThrownBy(failed::get).isInstanceOf(ExecutionException.class)
                            .hasCauseInstanceOf(StoreException.class).hasRootCauseMessage("cannot write 13");
                } else {
                    assertThat(results.get(i).get()).isEqualTo(i);
                }
            }
        }
        assertThat(calls.get()).isGreaterThan(1);
    }

    @Test
    void itemsSubmittedTogetherShareOneBatchAndAnswerInOrder() throws Exception {
        List<List<Integer>> batches = new ArrayList<>();
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (GroupCommit<Integer, String> commit = new GroupCommit<>("test-writer", 64, items -> {
            batches.add(List.copyOf(items));
            writing.countDown();
            await(release);
            return items.stream().map(i -> "done-" + i).toList();
        })) {
            // Hold the writer in a first batch so the two items are both queued before it drains again.
            ExecutorService pool = Executors.newFixedThreadPool(2);
            Future<String> first = pool.submit(() -> commit.submit(0));
            writing.await();
            Future<List<String>> pair = pool.submit(() -> commit.submitAll(List.of(1, 2)));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (commit.queued() < 2 && System.nanoTime() < deadline) {
                sleep(1);
            }
            int queuedTogether = commit.queued();
            release.countDown();
            assertThat(queuedTogether).as("both items queued before either is answered").isEqualTo(2);
            assertThat(first.get()).isEqualTo("done-0");
            assertThat(pair.get()).containsExactly("done-1", "done-2");
            pool.shutdown();
        }
        assertThat(batches).containsExactly(List.of(0), List.of(1, 2));
    }

    @Test
    void aWriterAnsweringTheWrongNumberOfOutcomesFailsItsCallers() {
        try (GroupCommit<Integer, Integer> commit = new GroupCommit<>("test-writer", 8, items -> List.of())) {
            assertThatThrownBy(() -> commit.submit(1)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void afterCloseNothingIsTakenAndTheWriterLetsGo() {
        AtomicInteger idles = new AtomicInteger();
        GroupCommit<Integer, Integer> commit = new GroupCommit<>("test-writer", 8, new GroupCommit.BatchWriter<>() {
            @Override
            public List<Integer> write(List<Integer> items) {
                return items;
            }

            @Override
            public void idle() {
                idles.incrementAndGet();
            }
        });
        assertThat(commit.submit(7)).isEqualTo(7);
        commit.close();
        assertThat(idles.get()).isPositive();
        assertThatThrownBy(() -> commit.submit(8)).isInstanceOf(StoreException.class).hasMessageContaining("shut down");
    }

    /** Items 0..n-1 submitted by n callers released together; their futures in item order, all settled. */
    private static <O> List<Future<O>> submitAtOnce(GroupCommit<Integer, O> commit, int n) {
        List<Future<O>> results = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                int item = i;
                results.add(pool.submit(() -> {
                    go.await();
                    return commit.submit(item);
                }));
            }
            go.countDown();
        }
        return results;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
