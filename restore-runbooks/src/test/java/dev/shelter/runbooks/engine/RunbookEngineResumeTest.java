package dev.shelter.runbooks.engine;

import dev.shelter.runbooks.catalog.BlobJournalStore;
import dev.shelter.runbooks.catalog.JournalCodec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static dev.shelter.runbooks.engine.StepStatus.DONE;
import static dev.shelter.runbooks.engine.StepStatus.PENDING;
import static dev.shelter.runbooks.engine.StepStatus.STARTED;
import static dev.shelter.runbooks.engine.StepStatus.UNDOING;
import static dev.shelter.runbooks.engine.StepStatus.UNDONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9, then a new process: a step throws an Error (nothing more is written), and a second
 * engine over the same object store, with plans built afresh, finds and finishes the run.
 */
class RunbookEngineResumeTest extends EngineTestBed {

    private RunJournal crash(Plan<World> plan) {
        Run<World> run = engine.begin(plan, world, CLUSTER, SUBJECT, Map.of());
        assertThrows(SimulatedCrash.class, () -> engine.execute(run));
        return stored(run.id());
    }

    /** The engine of the process that starts after the crash: its own store object, its own name. */
    private RunbookEngine nextEngine() {
        return new RunbookEngine(new BlobJournalStore(blobs, new JournalCodec()), clock, "engine-b");
    }

    @Test
    void resumeRunsThePlanAgainFromTheTopAndSkipsTheDoneSteps() {
        RunJournal crashed = crash(Plan.of("Backup", OnInterrupt.RESUME,
                FakeStep.named("CreateSnapshots"), FakeStep.named("WriteManifest").crashing(), FakeStep.named("ReleaseSnapshots")));
        assertStatuses(crashed, DONE, STARTED, PENDING);
        RunbookEngine next = nextEngine();
        assertEquals(List.of(crashed), next.unfinished());

        FakeStep create = FakeStep.named("CreateSnapshots");
        FakeStep write = FakeStep.named("WriteManifest");
        FakeStep release = FakeStep.named("ReleaseSnapshots");
        RunJournal ended = next.resume(crashed, Plan.of("Backup", OnInterrupt.RESUME, create, write, release), world);

        assertEquals(RunState.SUCCEEDED, ended.state());
        assertEquals(ended, stored(crashed.id()));
        assertEquals("engine-b", ended.lockHolder());
        assertStatuses(ended, DONE, DONE, DONE);
        assertEquals(0, create.executions());
        assertEquals(1, write.executions());
        assertEquals(2, ended.step(1).attempts(), "the attempt before the crash counts");
        assertEquals(List.of(), next.unfinished());
    }

    @Test
    void aStepThatFinishedItsWorkJustBeforeTheCrashIsNotExecutedAgain() {
        RunJournal crashed = crash(Plan.of("Backup", OnInterrupt.RESUME, FakeStep.named("CreateSnapshots").doing((world, run) -> {
            world.effects.add("CreateSnapshots");
            throw new SimulatedCrash("CreateSnapshots, after its work");
        })));

        FakeStep create = FakeStep.named("CreateSnapshots");
        RunJournal ended = nextEngine().resume(crashed, Plan.of("Backup", OnInterrupt.RESUME, create), world);

        assertEquals(RunState.SUCCEEDED, ended.state());
        assertStatuses(ended, DONE); // DONE, not SKIPPED_DONE: this run made it, so a rollback would undo it
        assertEquals(0, create.executions());
    }

    @Test
    void aRollBackPlanUndoesTheStartedAndDoneStepsInReverse() {
        RunJournal crashed = crash(Plan.of("Restore", OnInterrupt.ROLL_BACK,
                FakeStep.named("ScaleToZero"), FakeStep.named("RollbackSnapshots"),
                FakeStep.named("WriteRecoveryFiles").crashing(), FakeStep.named("ScaleUp")));

        RunJournal ended = nextEngine().resume(crashed, Plan.of("Restore", OnInterrupt.ROLL_BACK,
                FakeStep.named("ScaleToZero"), FakeStep.named("RollbackSnapshots"),
                FakeStep.named("WriteRecoveryFiles"), FakeStep.named("ScaleUp")), world);

        assertEquals(RunState.ROLLED_BACK, ended.state());
        assertEquals(ended, stored(crashed.id()));
        assertStatuses(ended, UNDONE, UNDONE, UNDONE, PENDING);
        assertEquals(List.of("WriteRecoveryFiles", "RollbackSnapshots", "ScaleToZero"), world.callsOf("undo"));
        assertEquals(List.of("ScaleToZero", "RollbackSnapshots", "WriteRecoveryFiles"), world.callsOf("execute"),
                "nothing runs forward after the crash");
        assertEquals("Shelter stopped (engine-a) during step 3 of 4: WriteRecoveryFiles; plan Restore rolls back after an"
                + " interruption", ended.failure());
    }

    @Test
    void aRollbackInterruptedByACrashIsFinishedEvenIfThePlanWouldResume() {
        RunJournal crashed = crash(Plan.of("Restore", OnInterrupt.RESUME,
                FakeStep.named("ScaleToZero"),
                FakeStep.named("RollbackSnapshots").undoing((world, facts, reason) -> {
                    throw new SimulatedCrash("undo of RollbackSnapshots");
                }),
                FakeStep.named("ScaleUp").failingTimes(1)));
        assertEquals(RunState.ROLLING_BACK, crashed.state());
        assertStatuses(crashed, DONE, UNDOING, UNDONE);

        FakeStep scaleUp = FakeStep.named("ScaleUp");
        RunJournal ended = nextEngine().resume(crashed, Plan.of("Restore", OnInterrupt.RESUME,
                FakeStep.named("ScaleToZero"), FakeStep.named("RollbackSnapshots"), scaleUp), world);

        assertEquals(RunState.ROLLED_BACK, ended.state());
        assertStatuses(ended, UNDONE, UNDONE, UNDONE);
        assertEquals(0, scaleUp.executions());
        assertEquals("ScaleUp failed: ScaleUp broke", ended.failure(), "the reason survives the crash");
    }

    @Test
    void aCancelledRunThatCrashedIsRolledBackNotResumed() {
        AtomicReference<RunId> id = new AtomicReference<>();
        Plan<World> plan = Plan.of("Restore", OnInterrupt.RESUME,
                FakeStep.named("ScaleToZero"),
                FakeStep.named("RollbackSnapshots").doing((world, run) -> {
                    engine.cancel(id.get());
                    throw new SimulatedCrash("RollbackSnapshots, just after the cancel");
                }),
                FakeStep.named("ScaleUp"));
        Run<World> run = engine.begin(plan, world, CLUSTER, SUBJECT, Map.of());
        id.set(run.id());
        assertThrows(SimulatedCrash.class, () -> engine.execute(run));
        RunJournal crashed = stored(run.id());
        assertTrue(crashed.cancelRequested());

        FakeStep scaleUp = FakeStep.named("ScaleUp");
        RunJournal ended = nextEngine().resume(crashed, Plan.of("Restore", OnInterrupt.RESUME,
                FakeStep.named("ScaleToZero"), FakeStep.named("RollbackSnapshots"), scaleUp), world);

        assertEquals(RunState.CANCELLED, ended.state());
        assertStatuses(ended, UNDONE, UNDONE, PENDING);
        assertEquals(0, scaleUp.executions());
    }

    @Test
    void aRunIsResumedOnlyWithItsOwnPlan() {
        RunJournal crashed = crash(Plan.of("Backup", OnInterrupt.RESUME,
                FakeStep.named("CreateSnapshots").crashing(), FakeStep.named("WriteManifest")));

        RunbookEngine next = nextEngine();
        assertThrows(IllegalArgumentException.class, () -> next.resume(crashed,
                Plan.of("Backup", OnInterrupt.RESUME, FakeStep.named("WriteManifest"), FakeStep.named("CreateSnapshots")), world));
        assertThrows(IllegalArgumentException.class, () -> next.resume(crashed,
                Plan.of("Restore", OnInterrupt.RESUME, FakeStep.named("CreateSnapshots"), FakeStep.named("WriteManifest")), world));
        assertEquals(crashed, stored(crashed.id()));
    }

    @Test
    void resumingARunThatHasFinishedChangesNothing() {
        Run<World> run = engine.begin(Plan.of("Backup", OnInterrupt.RESUME, FakeStep.named("CreateSnapshots")), world, CLUSTER,
                SUBJECT, Map.of());
        RunJournal stale = stored(run.id());
        RunJournal ended = engine.execute(run);

        FakeStep create = FakeStep.named("CreateSnapshots");
        assertEquals(ended, nextEngine().resume(stale, Plan.of("Backup", OnInterrupt.RESUME, create), world));
        assertEquals(0, create.executions());
        assertEquals(ended, stored(run.id()));
    }
}
