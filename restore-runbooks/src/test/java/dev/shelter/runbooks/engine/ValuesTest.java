package dev.shelter.runbooks.engine;

import dev.shelter.runbooks.backup.ClusterName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's value types refuse what they cannot stand for. */
class ValuesTest {

    private static final Instant AT = Instant.parse("2026-11-29T18:15:00Z");

    @Test
    void aRunIdIsTimeStampedAndSafeAsAKeySegment() {
        RunId id = RunId.startingAt(AT);
        assertTrue(id.value().matches("run-20261129T181500Z-[0-9a-f]{6}"), id.value());
        assertEquals(id, new RunId(id.value()));
        for (String bad : List.of("", "run-20261129T181500Z-3F9A2C", "run-20261129T181500Z-3f9a2c/..", "20261129T181500Z-3f9a2c",
                "run-2026-11-29-3f9a2c")) {
            assertThrows(IllegalArgumentException.class, () -> new RunId(bad), bad);
        }
        assertTrue(RunId.startingAt(AT).compareTo(RunId.startingAt(AT.plusSeconds(1))) < 0, "ids sort by time");
    }

    @Test
    void factsAreReadOnlyAndAMissingOneIsNamed() {
        Facts facts = Facts.of(Map.of("replicas", "3"));
        assertEquals(Optional.of("3"), facts.get("replicas"));
        assertEquals(Optional.empty(), facts.get("snapshot"));
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> facts.require("snapshot"));
        assertTrue(missing.getMessage().contains("'snapshot'"), missing.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> facts.asMap().put("x", "y"));
        assertThrows(IllegalArgumentException.class, () -> Facts.of(Map.of(" ", "y")));
    }

    @Test
    void aPlanNeedsStepsNamedVerbNounOnceEach() {
        assertThrows(IllegalArgumentException.class, () -> Plan.of("Restore", OnInterrupt.RESUME));
        assertThrows(IllegalArgumentException.class, () -> Plan.of("Restore", OnInterrupt.RESUME, FakeStep.named("scale to zero")));
        assertThrows(IllegalArgumentException.class,
                () -> Plan.of("Restore", OnInterrupt.RESUME, FakeStep.named("ScaleUp"), FakeStep.named("ScaleUp")));
        assertEquals(List.of("ScaleToZero", "ScaleUp"),
                Plan.of("Restore", OnInterrupt.RESUME, FakeStep.named("ScaleToZero"), FakeStep.named("ScaleUp")).stepNames());
    }

    @Test
    void aRetryNeedsAnAttemptAndABackoffThatIsNotNegative() {
        assertThrows(IllegalArgumentException.class, () -> FailurePolicy.retry(0, Duration.ZERO, FailurePolicy.rollBack()));
        assertThrows(IllegalArgumentException.class, () -> FailurePolicy.retry(1, Duration.ofSeconds(-1), FailurePolicy.rollBack()));
    }

    @Test
    void onlyRunningAndRollingBackRunsAreUnfinished() {
        for (RunState state : RunState.values()) {
            assertEquals(state != RunState.RUNNING && state != RunState.ROLLING_BACK, state.isFinished(), state.name());
        }
        assertFalse(StepStatus.SKIPPED_DONE.needsUndo(), "a step found done was not this run's doing");
        assertTrue(StepStatus.STARTED.needsUndo(), "a step that started may have half-acted");
    }

    @Test
    void theCurrentStepIsTheOneBeingDoneOrUndoneElseTheLastTouched() {
        RunJournal journal = RunJournal.begun(RunId.startingAt(AT), "Restore", new ClusterName("main"), "b", "engine-a", AT,
                List.of(StepEntry.pending("ScaleToZero", "t"), StepEntry.pending("RollbackSnapshots", "t"),
                        StepEntry.pending("ScaleUp", "t")), Map.of());
        assertEquals("step 1 of 3: ScaleToZero", journal.currentStep());
        journal = journal.withStep(0, journal.step(0).started("t", AT, 1).done(AT));
        assertEquals("step 1 of 3: ScaleToZero", journal.currentStep());
        journal = journal.withStep(1, journal.step(1).started("t", AT, 1));
        assertEquals("step 2 of 3: RollbackSnapshots", journal.currentStep());
        journal = journal.withStep(1, journal.step(1).undone(AT)).withStep(0, journal.step(0).undoing(AT));
        assertEquals("step 1 of 3: ScaleToZero", journal.currentStep());
        RunJournal finalJournal = journal;
        assertThrows(IllegalArgumentException.class, () -> finalJournal.withStep(2, StepEntry.pending("ScaleToZero", "t")));
    }
}
