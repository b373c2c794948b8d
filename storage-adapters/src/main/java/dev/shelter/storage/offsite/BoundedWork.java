package dev.shelter.storage.offsite;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Tasks run by {@code threads} threads, at most twice that many handed over and not finished:
 * each holds a piece of up to 4 MiB, so this bounds the memory an export or restore takes. The
 * first failure surfaces at the next hand-over, not after everything has been handed over.
 */
final class BoundedWork implements AutoCloseable {

    private final ExecutorService workers;
    private final Semaphore inFlight;
    private final List<Future<?>> pending = new ArrayList<>();

    BoundedWork(String name, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("at least one " + name + " at a time, not " + threads);
        }
        this.workers = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
        this.inFlight = new Semaphore(handedOverAtMost(threads));
    }

    /** How many tasks may be handed over and not finished at once. */
    static int handedOverAtMost(int threads) {
        return threads * 2;
    }

    void submit(Runnable task) {
        pending.removeIf(work -> work.isDone() && awaited(work));
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted");
        }
        pending.add(workers.submit(() -> {
            try {
                task.run();
            } finally {
                inFlight.release();
            }
        }));
    }

    /** Waits for every task handed over; throws the first failure. */
    void awaitAll() {
        pending.forEach(BoundedWork::awaited);
        pending.clear();
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }

    private static boolean awaited(Future<?> work) {
        try {
            work.get();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("a task failed: " + e.getCause(), e.getCause());
        }
    }
}
