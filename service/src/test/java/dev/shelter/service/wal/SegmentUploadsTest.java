package dev.shelter.service.wal;

import dev.shelter.runbooks.backup.Lsn;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The order and memory rules of parallel segment uploads, with uploads the test releases by hand. */
class SegmentUploadsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aLaterUploadThatEndsFirstIsNotConfirmableBeforeTheOneBeforeIt() throws Exception {
        CountDownLatch firstMayEnd = new CountDownLatch(1);
        CountDownLatch secondEnded = new CountDownLatch(1);
        try (SegmentUploads uploads = new SegmentUploads("main", 3, new Semaphore(8))) {
            assertEquals(Optional.empty(), uploads.submit(new Lsn(100), false, () -> await(firstMayEnd)));
            uploads.submit(new Lsn(200), false, secondEnded::countDown);
            assertTrue(secondEnded.await(WAIT.toSeconds(), TimeUnit.SECONDS));

            assertEquals(Optional.empty(), uploads.completed(), "200 is stored, 100 is not: nothing is confirmable");
            firstMayEnd.countDown();
            assertEquals(Optional.of(new Lsn(200)), uploads.awaitAll());
            assertEquals(0, uploads.inFlight());
        }
    }

    @Test
    void aFailedUploadIsThrownWhenItIsTheOldestAndNothingAfterItIsConfirmed() {
        CountDownLatch mayFail = new CountDownLatch(1);
        try (SegmentUploads uploads = new SegmentUploads("main", 3, new Semaphore(8))) {
            uploads.submit(new Lsn(100), false, () -> {
                await(mayFail);
                throw new IllegalStateException("the store refused it");
            });
            uploads.submit(new Lsn(200), false, () -> { });
            mayFail.countDown();
            IllegalStateException failure = assertThrows(IllegalStateException.class, uploads::awaitAll);
            assertTrue(failure.getMessage().contains("ending at 0/64") && failure.getMessage().contains("the store refused it"),
                    failure.getMessage());
        }
    }

    /** Two clusters share one permit: the second's upload starts only when the first's has ended and let it go. */
    @Test
    void clustersShareOneBudgetOfSegmentsInMemory() throws Exception {
        Semaphore budget = new Semaphore(1);
        CountDownLatch firstMayEnd = new CountDownLatch(1);
        CountDownLatch secondStarted = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (SegmentUploads one = new SegmentUploads("one", 3, budget); SegmentUploads two = new SegmentUploads("two", 3, budget)) {
            one.submit(new Lsn(100), false, () -> await(firstMayEnd));
            Thread other = new Thread(() -> {
                try {
                    two.submit(new Lsn(100), false, secondStarted::countDown);
                } catch (RuntimeException e) {
                    failure.set(e);
                }
            });
            other.start();
            assertFalse(secondStarted.await(300, TimeUnit.MILLISECONDS), "the second upload waits for the budget");
            firstMayEnd.countDown();
            assertTrue(secondStarted.await(WAIT.toSeconds(), TimeUnit.SECONDS), "and starts once the first has ended");
            other.join(WAIT.toMillis());
            assertEquals(null, failure.get());
            assertEquals(Optional.of(new Lsn(100)), one.awaitAll());
        }
        assertEquals(1, budget.availablePermits(), "every permit is back");
    }

    /** A segment that took its permit as it grew hands it over: the upload neither waits for a second nor keeps it. */
    @Test
    void aPermitTheSegmentHoldsIsTakenOverAndGivenBackByTheUpload() throws Exception {
        Semaphore budget = new Semaphore(1);
        budget.acquire(); // the segment's, taken while it grew
        CountDownLatch stored = new CountDownLatch(1);
        try (SegmentUploads uploads = new SegmentUploads("main", 3, budget)) {
            Optional<Lsn> durableAtSubmit = assertTimeoutPreemptively(WAIT,
                    () -> uploads.submit(new Lsn(100), true, stored::countDown), "a second permit would never come");
            assertTrue(stored.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the upload ran without a second permit");
            // A quick upload may already be confirmed by submit itself; then nothing is left for awaitAll.
            Optional<Lsn> durableAfter = uploads.awaitAll();
            assertEquals(Optional.of(new Lsn(100)), durableAtSubmit.isPresent() ? durableAtSubmit : durableAfter);
            assertEquals(0, uploads.inFlight());
        }
        assertEquals(1, budget.availablePermits(), "the segment's permit is back");
    }

    @Test
    void theDefaultBudgetIsAQuarterOfTheHeapInSegmentsBeingCompressed() {
        assertEquals(4, WalReceiver.segmentsThatFit(512L << 20));
        assertEquals(24, WalReceiver.segmentsThatFit(3L << 30));
        assertEquals(2, WalReceiver.segmentsThatFit(64L << 20), "never fewer than two");
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test did not release the upload");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
