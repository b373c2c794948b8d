package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

import java.time.Duration;

/** One member, the one that recovers and is promoted; the others follow once it is verified. */
final class StartMember implements Step<RestoreRun> {

    private final FailurePolicy onFailure;

    /** A failure stops for a human: the rollback restore's way, past its point of no return. */
    StartMember() {
        this(FailurePolicy.stopAndAlert());
    }

    /** Clone and swap rolls back instead: the originals are still there to swap back. */
    StartMember(FailurePolicy onFailure) {
        this.onFailure = onFailure;
    }

    @Override
    public String name() {
        return "StartMember";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return run.restored().name() + ": scale to 1, into recovery";
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return !run.restored().control().members().isEmpty();
    }

    /** Journaled when the start had to put recovery.signal back first. */
    static final String RECOVERY_REARMED = "recoveryRearmed";

    @Override
    public void execute(RestoreRun run, StepRun step) {
        // A start after a crash must not turn a recovery cut off at its end into crash recovery past the target.
        run.recoveryFiles().rearmCutOffRecovery().ifPresent(what -> step.record(RECOVERY_REARMED, what));
        try {
            run.restored().control().scale(1, StopCluster.SCALE_TIMEOUT);
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage() + AwaitRecoveryEnd.inPostgresWords(run), e);
        }
    }

    /** Stops the restored server (clone and swap, before its originals go back); nothing runs on a volume being swapped. */
    @Override
    public void undo(RestoreRun run, Facts facts, String reason) {
        run.restored().control().scale(0, StopCluster.SCALE_TIMEOUT);
    }

    @Override
    public Duration timeout() {
        return StopCluster.SCALE_TIMEOUT.plusMinutes(1);
    }

    @Override
    public FailurePolicy onFailure() {
        return onFailure;
    }
}
