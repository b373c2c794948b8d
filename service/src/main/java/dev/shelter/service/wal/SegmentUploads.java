package dev.shelter.service.wal;

import dev.shelter.runbooks.backup.Lsn;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Whole-segment uploads running side by side, whose ends become confirmable in stream order only:
 * the server hears a position once every segment before it is stored too, so a slow or failed
 * upload holds the confirmed position back instead of leaving a hole behind it. At most
 * {@code limit} are in flight (each holds a segment in memory); one more waits for the oldest.
 * Across all clusters, uploads also take a permit of a shared {@code memoryBudget}, so that many
 * clusters catching up at once (after an outage of Shelter, say) do not hold more segments than
 * the heap can: a receiver without a permit waits, and its slot keeps the WAL meanwhile. Used by
 * the receiver's thread alone.
 */
final class SegmentUploads implements AutoCloseable {

    private record Upload(Lsn end, Future<?> stored) {
    }

    private final int limit;
    private final Semaphore memoryBudget;
    private final ThreadPoolExecutor uploaders;
    private final Deque<Upload> inFlight = new ArrayDeque<>();

    SegmentUploads(String cluster, int limit, Semaphore memoryBudget) {
        if (limit < 1) {
            throw new IllegalArgumentException("at least one upload at a time, not " + limit);
        }
        this.limit = limit;
        this.memoryBudget = memoryBudget;
        // Idle clusters keep no upload threads: they end after a while without work.
        this.uploaders = new ThreadPoolExecutor(limit, limit, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                task -> new Thread(task, "wal-upload-" + cluster));
        this.uploaders.allowCoreThreadTimeOut(true);
    }

    /**
     * Starts {@code upload}, which makes WAL up to {@code end} durable, after waiting for the oldest
     * in flight if the limit is reached. {@code permitHeld}: the segment took its permit of the
     * memory budget already (as it grew), and this takes it over, whatever happens; otherwise one is
     * taken here. Returns how far WAL is durable without a hole now, if that moved.
     */
    Optional<Lsn> submit(Lsn end, boolean permitHeld, Runnable upload) {
        Optional<Lsn> durable = Optional.empty();
        try {
            if (inFlight.size() >= limit) {
                durable = Optional.of(awaitOldest());
            }
            if (!permitHeld) {
                acquirePermit(end);
            }
        } catch (RuntimeException e) {
            if (permitHeld) {
                memoryBudget.release();
            }
            throw e;
        }
        inFlight.addLast(new Upload(end, uploaders.submit(() -> {
            try {
                upload.run();
            } finally {
                memoryBudget.release();
            }
        })));
        Optional<Lsn> finished = completed();
        return finished.isPresent() ? finished : durable;
    }

    /** How far WAL is durable without a hole, if finished uploads moved it; a failed oldest upload is thrown. */
    Optional<Lsn> completed() {
        Lsn durable = null;
        while (!inFlight.isEmpty() && inFlight.peekFirst().stored().isDone()) {
            durable = awaitOldest();
        }
        return Optional.ofNullable(durable);
    }

    /** Waits for every upload in flight; returns the end of the last one, if there was any. */
    Optional<Lsn> awaitAll() {
        Lsn durable = null;
        while (!inFlight.isEmpty()) {
            durable = awaitOldest();
        }
        return Optional.ofNullable(durable);
    }

    private void acquirePermit(Lsn end) {
        try {
            memoryBudget.acquire(); // uploads in flight release theirs as they end, whatever they wait for
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the WAL segment ending at " + end + " waited for memory to upload", e);
        }
    }

    int inFlight() {
        return inFlight.size();
    }

    private Lsn awaitOldest() {
        Upload oldest = inFlight.peekFirst();
        try {
            oldest.stored().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while WAL up to " + oldest.end() + " was being stored", e);
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("cannot store the WAL segment ending at " + oldest.end() + ": " + cause.getMessage(), cause);
        }
        inFlight.removeFirst();
        return oldest.end();
    }

    /**
     * Lets uploads in flight finish (what they store is kept; the next start resumes at the first
     * segment missing) and ends the threads.
     */
    @Override
    public void close() {
        inFlight.clear();
        uploaders.shutdown();
        try {
            uploaders.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
