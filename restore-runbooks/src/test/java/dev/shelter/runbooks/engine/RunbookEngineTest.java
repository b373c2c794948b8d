package dev.shelter.runbooks.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.shelter.runbooks.engine.StepStatus.DONE;
import static dev.shelter.runbooks.engine.StepStatus.FAILED;
import static dev.shelter.runbooks.engine.StepStatus.PENDING;
import static dev.shelter.runbooks.engine.StepStatus.SKIPPED_DONE;
import static dev.shelter.runbooks.engine.StepStatus.STARTED;
import static dev.shelter.runbooks.engine.StepStatus.UNDOING;
import static dev.shelter.runbooks.engine.StepStatus.UNDONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One engine, one run at a time: what it journals around each step, and what each failure policy,
 * a timeout, a cancellation and a crash leave in the store.
 */
class RunbookEngineTest extends EngineTestBed {

    @Test
    void eachStepIsJournaledStartedBeforeItRunsAndDoneAfter() {
        AtomicReference<RunId> id = new AtomicReference<>();
        List<RunJournal> seenDuringWrite = new CopyOnWriteArrayList<>();
        Plan<World> plan = Plan.of("Backup", OnInterrupt.RESUME,
                FakeStep.named("CreateSnapshots"),
                FakeStep.named("WriteManifest").doing((world, run) -> seenDuringWrite.add(stored(id.get()))),
                FakeStep.named("ReleaseSnapshots"));

        Run<World> run = engine.begin(plan, world, CLUSTER, SUBJECT, Map.of());
        id.set(run.id());
        RunJournal begun = stored(run.id());
        assertEquals(RunState.RUNNING, begun.state());
        assertEquals("engine-a", begun.lockHolder());
        assertEquals(SUBJECT, begun.subject());
        assertStatuses(begun, PENDING, PENDING, PENDING);
        assertEquals("the CreateSnapshots target", begun.step(0).target());

        RunJournal ended = engine.execute(run);

        RunJournal during = seenDuringWrite.get(0);
        assertStatuses(during, DONE, STARTED, PENDING);
        assertEquals(1, during.step(1).attempts());
        assertNotNull(during.step(1).startedAt());
        assertNull(during.step(1).endedAt());
        assertEquals("step 2 of 3: WriteManifest", during.currentStep());
        assertEquals(ended, stored(run.id()));
        assertEquals(RunState.SUCCEEDED, ended.state());
        assertStatuses(ended, DONE, DONE, DONE);
        assertNull(ended.failure());
        assertEquals(List.of("CreateSnapshots", "WriteManifest", "ReleaseSnapshots"), world.callsOf("execute"));
    }

    @Test
    void aRecordedFactIsInTheStoreBeforeTheStepGoesOn() {
        AtomicReference<RunId> id = new AtomicReference<>();
        AtomicReference<Optional<String>> storedAfterRecord = new AtomicReference<>();
        AtomicReference<Optional<String>> visibleToTheStep = new AtomicReference<>();
        Plan<World> plan = Plan.of("Backup", OnInterrupt.RESUME,
                FakeStep.named("CreateSnapshots").doing((world, run) -> {
                    run.record("target.WriteManifest", "shelter-snap-1"); // the name, before the thing is made
                    storedAfterRecord.set(stored(id.get()).factsView().get("target.WriteManifest"));
                    visibleToTheStep.set(run.facts().get("target.WriteManifest"));
                }),
                FakeStep.named("WriteManifest"));
        Run<World> run = engine.begin(plan, world, CLUSTER, SUBJECT, Map.of("backup", SUBJECT));
        id.set(run.id());

        RunJournal ended = engine.execute(run);

        assertEquals(RunState.SUCCEEDED, ended.state(), ended.failure());
        assertEquals(Optional.of("shelter-snap-1"), storedAfterRecord.get());
        assertEquals(Optional.of("shelter-snap-1"), visibleToTheStep.get());
        assertEquals(Map.of("backup", SUBJECT, "target.WriteManifest", "shelter-snap-1"), stored(run.id()).facts());
        assertEquals("shelter-snap-1", ended.step(1).target(), "a target is worked out again, with the facts, when its step starts");
    }

    @Test
    void aStepThatIsAlreadyDoneIsSkippedAndNotExecuted() {
        world.having("ScaleToZero");
        FakeStep scale = FakeStep.named("ScaleToZero");
        RunJournal ended = run(Plan.of("Restore", OnInterrupt.RESUME, scale, FakeStep.named("RollbackSnapshots")));

        assertEquals(RunState.SUCCEEDED, ended.state());
        assertStatuses(ended, SKIPPED_DONE, DONE);
        assertEquals(0, scale.executions());
    }

    @Test
    void aFailedStepRollsBackEveryStepThisRunTouchedInReverseIncludingTheFailedOne() {
        world.having("PausePatroni"); // there before the run: not the run's to undo
        AtomicReference<Facts> factsSeenByUndo = new AtomicReference<>();
        AtomicReference<String> reasonGivenToUndo = new AtomicReference<>();
        Plan<World> plan = Plan.of("Restore", OnInterrupt.RESUME,
                FakeStep.named("ScaleToZero"),
                FakeStep.named("PausePatroni"),
                FakeStep.named("RollbackSnapshots"),
                FakeStep.named("WriteRecoveryFiles")
                        .doing((world, run) -> run.record("recovery.file", "/pgdata/recovery.signal"))
                        .failingTimes(1)
                        .undoing((world, facts, reason) -> {
                            factsSeenByUndo.set(facts);
                            reasonGivenToUndo.set(reason);
                        }),
                FakeStep.named("ScaleUp"));

        RunJournal ended = run(plan);

        assertEquals(RunState.ROLLED_BACK, ended.state());
        assertEquals(ended, stored(ended.id()));
        assertStatuses(ended, UNDONE, SKIPPED_DONE, UNDONE, UNDONE, PENDING);
        assertEquals(List.of("WriteRecoveryFiles", "RollbackSnapshots", "ScaleToZero"), world.callsOf("undo"));
        assertEquals(List.of("PausePatroni"), List.copyOf(world.effects));
        assertEquals("WriteRecoveryFiles failed: WriteRecoveryFiles broke", ended.failure());
        assertEquals(ended.failure(), reasonGivenToUndo.get());
        assertEquals(Optional.of("/pgdata/recovery.signal"), factsSeenByUndo.get().get("recovery.file"),
                "the undo of a half-done step finds what the step recorded");
        assertEquals("WriteRecoveryFiles broke", ended.step(3).message());
    }

    @Test
    void aRetriedStepThatSucceedsLetsTheRunSucceed() {
        FakeStep flaky = FakeStep.named("UploadManifest").failingTimes(2)
                .onFailure(FailurePolicy.retry(2, Duration.ofMillis(10), FailurePolicy.rollBack()));
        RunJournal ended = run(Plan.of("Backup", OnInterrupt.RESUME, FakeStep.named("CreateSnapshots"), flaky));

        assertEquals(RunState.SUCCEEDED, ended.state());
        assertStatuses(ended, DONE, DONE);
        assertEquals(3, ended.step(1).attempts());
        assertEquals(3, flaky.executions());
        assertEquals(List.of(), world.callsOf("undo"));
    }

    @Test
    void retriesUsedUpFallBackToTheNextPolicy() {
        FakeStep broken = FakeStep.named("UploadManifest").failingTimes(100)
                .onFailure(FailurePolicy.retry(2, Duration.ofMillis(1), FailurePolicy.rollBack()));
        RunJournal ended = run(Plan.of("Backup", OnInterrupt.RESUME, FakeStep.named("CreateSnapshots"), broken));

        assertEquals(RunState.ROLLED_BACK, ended.state());
        assertEquals(3, broken.executions(), "the first attempt and two retries");
        assertEquals(3, ended.step(1).attempts());
        assertEquals("UploadManifest failed after 3 attempts: UploadManifest broke", ended.failure());
        assertEquals(List.of("UploadManifest", "CreateSnapshots"), world.callsOf("undo"));
    }

    @Test
    void retryPoliciesChain() {
        FakeStep broken = FakeStep.named("UploadManifest").failingTimes(100)
                .onFailure(FailurePolicy.retry(1, Duration.ZERO, FailurePolicy.retry(2, Duration.ZERO, FailurePolicy.stopAndAlert())));
        RunJournal ended = run(Plan.of("Backup", OnInterrupt.RESUME, broken));

        assertEquals(4, broken.executions());
        assertEquals(RunState.STOPPED, ended.state());
    }

    @Test
    void aRetryNoticesThatAFailedAttemptDidTheWorkAfterAll() {
        FakeStep failsAfterActing = FakeStep.named("UploadManifest")
                .doing((world, run) -> {
                    world.effects.add("UploadManifest");
                    throw new IllegalStateException("connection reset after the upload");
                })
                .onFailure(FailurePolicy.retry(3, Duration.ZERO, FailurePolicy.rollBack()));
        RunJournal ended = run(Plan.of("Backup", OnInterrupt.RESUME, failsAfterActing));

        assertEquals(RunState.SUCCEEDED, ended.state());
        assertEquals(1, failsAfterActing.executions());
        assertStatuses(ended, DONE);
    }

    @Test
    void stopAndAlertLeavesEverythingAsItIs() {
        Plan<World> plan = Plan.of("Restore", OnInterrupt.RESUME,
                FakeStep.named("ScaleToZero"),
                FakeStep.named("RollbackSnapshots").failingTimes(1).onFailure(FailurePolicy.stopAndAlert()),
                FakeStep.named("ScaleUp"));

        RunJournal ended = run(plan);

        assertEquals(RunState.STOPPED, ended.state());
        assertEquals(ended, stored(ended.id()));
        assertStatuses(ended, DONE, FAILED, PENDING);
        assertEquals(List.of(), world.callsOf("undo"));
        assertEquals(List.of("ScaleToZero"), List.copyOf(world.effects));
        assertTrue(ended.failure().startsWith("RollbackSnapshots failed: RollbackSnapshots broke"), ended.failure());
    }

    @Test
    @Timeout(30) // a broken timeout must fail the test, not hang the build
    void aStepThatOutlivesItsTimeoutIsInterruptedAndRolledBack() {
        Plan<World> plan = Plan.of("Restore", OnInterrupt.RESUME,
                FakeStep.named("ScaleToZero"),
                FakeStep.named("WaitPodsGone").timingOutAfter(Duration.ofMillis(200)).doing((world, run) -> Thread.sleep(60_000)));

        long start = System.nanoTime();
        RunJournal ended = run(plan);

        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "the engine did not wait for the step");
        assertEquals(RunState.ROLLED_BACK, ended.state());
        assertStatuses(ended, UNDONE, UNDONE);
        assertEquals("WaitPodsGone did not finish within PT0.2S and was interrupted", ended.step(1).message());
    }

    @Test
    @Timeout(30) // a broken timeout must fail the test, not hang the build
    void aTimedOutStepThatIgnoresItsInterruptStopsTheRunAndCanRecordNothingMore() throws Exception {
        engine = new RunbookEngine(journals, clock, "engine-a", Duration.ofMillis(100));
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Exception> lateRecord = new AtomicReference<>();
        CountDownLatch lateRecordTried = new CountDownLatch(1);
        Plan<World> plan = Plan.of("Restore", OnInterrupt.RESUME,
                FakeStep.named("ScaleToZero"),
                FakeStep.named("RollbackSnapshots").timingOutAfter(Duration.ofMillis(100)).doing((world, run) -> {
                    boolean released = false;
                    while (!released) {
                        try {
                            released = release.await(1, TimeUnit.SECONDS);
                        } catch (InterruptedException deaf) {
                            // deaf to interrupts, like a blocking native call
                        }
                    }
                    try {
                        run.record("late", "after the timeout");
                    } catch (RuntimeException e) {
                        lateRecord.set(e);
                    } finally {
                        lateRecordTried.countDown();
                    }
                }));
        RunJournal ended;
        try {
            ended = run(plan);

            assertEquals(RunState.STOPPED, ended.state(), "nothing may be undone under a step that may still be acting");
            assertEquals(List.of(), world.callsOf("undo"));
            assertTrue(ended.step(1).message().contains("still running"), ended.step(1).message());
        } finally {
            release.countDown();
        }
        assertTrue(lateRecordTried.await(10, TimeUnit.SECONDS));
        assertInstanceOf(RunCancelledException.class, lateRecord.get());
        assertEquals(ended, stored(ended.id()), "the abandoned step wrote nothing after the run ended");
    }

    @Test
    @Timeout(30) // a broken timeout must fail the test, not hang the build
    void aCancelledStepStopsAtItsNextCheckAndTheRunRollsBack() throws Exception {
        CountDownLatch waiting = new CountDownLatch(1);
        FakeStep scaleUp = FakeStep.named("ScaleUp");
        Plan<World> plan = Plan.of("Restore", OnInterrupt.RESUME,
                FakeStep.named("ScaleToZero"),
                FakeStep.named("WaitRecoveryComplete").doing((world, run) -> {
                    waiting.countDown();
                    for (int i = 0; i < 1000; i++) {
                        run.checkCancelled();
                        Thread.sleep(10);
                    }
                }),
                scaleUp);
        Run<World> run = engine.begin(plan, world, CLUSTER, SUBJECT, Map.of());
        CompletableFuture<RunJournal> ending = CompletableFuture.supplyAsync(() -> engine.execute(run));
        assertTrue(waiting.await(10, TimeUnit.SECONDS));

        assertTrue(engine.cancel(run.id()));
        RunJournal ended = ending.get(10, TimeUnit.SECONDS);

        assertEquals(RunState.CANCELLED, ended.state());
        assertTrue(ended.cancelRequested());
        assertEquals(ended, stored(run.id()));
        assertStatuses(ended, UNDONE, UNDONE, PENDING);
        assertEquals(List.of("WaitRecoveryComplete", "ScaleToZero"), world.callsOf("undo"));
        assertEquals(0, scaleUp.executions());
        assertTrue(ended.failure().startsWith("cancelled during step 2 of 3: WaitRecoveryComplete"), ended.failure());
        assertFalse(engine.cancel(run.id()), "a finished run cannot be cancelled");
    }

    @Test
    void aCancelBetweenStepsIsJournaledAtOnceAndNoFurtherStepRuns() {
        AtomicReference<RunId> id = new AtomicReference<>();
        AtomicReference<Boolean> journaledAtOnce = new AtomicReference<>();
        FakeStep rollback = FakeStep.named("RollbackSnapshots");
        Plan<World> plan = Plan.of("Restore", OnInterrupt.RESUME,
                FakeStep.named("ScaleToZero").doing((world, run) -> {
                    engine.cancel(id.get());
                    journaledAtOnce.set(stored(id.get()).cancelRequested());
                }),
                rollback);
        Run<World> run = engine.begin(plan, world, CLUSTER, SUBJECT, Map.of());
        id.set(run.id());

        RunJournal ended = engine.execute(run);

        assertTrue(journaledAtOnce.get(), "a crash after the cancel must not turn it into a resume");
        assertEquals(RunState.CANCELLED, ended.state());
        assertEquals(0, rollback.executions());
        assertStatuses(ended, UNDONE, PENDING);
        assertEquals("cancelled before step 2 of 2: RollbackSnapshots", ended.failure());
    }

    @Test
    void anUndoThatFailsStopsTheRollbackAndSaysSo() {
        Plan<World> plan = Plan.of("Restore", OnInterrupt.RESUME,
                FakeStep.named("ScaleToZero"),
                FakeStep.named("RollbackSnapshots").undoing((world, facts, reason) -> {
                    throw new IllegalStateException("volume is busy");
                }),
                FakeStep.named("ScaleUp").failingTimes(1));

        RunJournal ended = run(plan);

        assertEquals(RunState.STOPPED, ended.state());
        assertEquals(ended, stored(ended.id()));
        assertTrue(ended.failure().startsWith("rollback incomplete: undo of RollbackSnapshots failed: volume is busy"), ended.failure());
        assertStatuses(ended, DONE, UNDOING, UNDONE);
        assertEquals("undo failed: volume is busy", ended.step(1).message());
        assertEquals(List.of("ScaleUp", "RollbackSnapshots"), world.callsOf("undo"), "nothing before the failed undo is touched");
    }

    @Test
    void aCrashInAStepLetsTheErrorThroughAndWritesNothingMore() {
        CountingJournalStore counting = new CountingJournalStore(journals);
        engine = new RunbookEngine(counting, clock, "engine-a");
        FakeStep after = FakeStep.named("ScaleUp");
        Plan<World> plan = Plan.of("Restore", OnInterrupt.RESUME,
                FakeStep.named("ScaleToZero"), FakeStep.named("RollbackSnapshots").crashing(), after);
        Run<World> run = engine.begin(plan, world, CLUSTER, SUBJECT, Map.of());

        assertThrows(SimulatedCrash.class, () -> engine.execute(run));

        RunJournal last = counting.puts.get(counting.puts.size() - 1);
        assertStatuses(last, DONE, STARTED, PENDING);
        assertEquals(last, stored(run.id()));
        assertEquals(RunState.RUNNING, last.state());
        assertEquals(0, after.executions());
        assertEquals(List.of(), world.callsOf("undo"));
    }

    @Test
    void progressIsJournaledAboutOnceASecondAndAlwaysAtTheEnd() {
        CountingJournalStore counting = new CountingJournalStore(journals);
        engine = new RunbookEngine(counting, clock, "engine-a");
        Plan<World> plan = Plan.of("Backup", OnInterrupt.RESUME, FakeStep.named("CopyChunks").doing((world, run) -> {
            for (int done = 1; done <= 100; done++) {
                run.progress(done, 100, "chunks");
                clock.advance(Duration.ofMillis(100));
            }
        }));

        RunJournal ended = run(plan);

        List<Progress> written = counting.puts.stream().map(journal -> journal.step(0).progress()).distinct()
                .filter(progress -> progress != null).toList();
        assertEquals(List.of(1L, 11L, 21L, 31L, 41L, 51L, 61L, 71L, 81L, 91L, 100L),
                written.stream().map(Progress::done).toList());
        assertEquals(new Progress(100, 100, "chunks"), ended.step(0).progress());
    }

    @Test
    void aDryRunShowsEveryStepAndChangesNothing() {
        world.having("ScaleToZero");
        Plan<World> plan = Plan.of("Restore", OnInterrupt.RESUME, FakeStep.named("ScaleToZero"), FakeStep.named("RollbackSnapshots"));

        PlanPreview preview = engine.preview(plan, world, Facts.of(Map.of("target.RollbackSnapshots", "pgdata@shelter-1")));

        assertEquals(new PlanPreview("Restore", List.of(
                new PlannedStep(1, "ScaleToZero", "the ScaleToZero target", true),
                new PlannedStep(2, "RollbackSnapshots", "pgdata@shelter-1", false))), preview);
        assertEquals(List.of(), blobs.list(""), "the store is empty");
        assertEquals(List.of(), world.calls);
        assertEquals(List.of("ScaleToZero"), List.copyOf(world.effects));
    }

    @Test
    void aRunIsExecutedOnlyOnce() {
        Run<World> run = engine.begin(Plan.of("Backup", OnInterrupt.RESUME, FakeStep.named("CreateSnapshots")), world, CLUSTER,
                SUBJECT, Map.of());
        engine.execute(run);
        assertThrows(IllegalStateException.class, () -> engine.execute(run));
    }
}
