package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.postgres.RecoveryStalledException;
import dev.shelter.runbooks.postgres.RecoveryState;
import dev.shelter.runbooks.postgres.ServerFacts;
import dev.shelter.runbooks.restore.RestoreFacts;

import java.time.Duration;

/**
 * Waits until the restored server has replayed to its target and promoted. A recovery that pauses
 * fails at once; one whose server stops (PostgreSQL ends a recovery that cannot reach its target,
 * or whose restore_command failed, by exiting) fails as soon as the member is gone, never a hang.
 */
final class AwaitRecoveryEnd implements Step<RestoreRun> {

    private final FailurePolicy onFailure;

    /** A failure stops for a human: the rollback restore's way, past its point of no return. */
    AwaitRecoveryEnd() {
        this(FailurePolicy.stopAndAlert());
    }

    /** Clone and swap rolls back instead: the originals are still there to swap back. */
    AwaitRecoveryEnd(FailurePolicy onFailure) {
        this.onFailure = onFailure;
    }

    static final String PROMOTED_TIMELINE = RestoreFacts.PROMOTED_TIMELINE;
    static final String PROMOTED_AT = RestoreFacts.PROMOTED_AT;
    private static final int LOOKS_BETWEEN_MEMBER_CHECKS = 8;

    @Override
    public String name() {
        return "AwaitRecoveryEnd";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return "PostgreSQL of " + run.restored().name() + " replays to " + run.target().describe() + " and promotes (at most "
                + run.recoveryTimeout().toMinutes() + " min)";
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return facts.get(PROMOTED_TIMELINE).isPresent();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        Lsn start = run.backup().window().startLsn();
        Lsn end = step.facts().get(CheckTarget.REPLAYABLE_TO).map(Lsn::parse).orElse(null);
        ServerFacts promoted;
        try {
            promoted = awaitPromotion(run, step, start, end);
        } catch (RecoveryStalledException e) {
            throw new IllegalStateException(e.getMessage() + inPostgresWords(run), e);
        }
        step.record(PROMOTED_TIMELINE, Long.toString(promoted.timeline().id()));
        step.record(PROMOTED_AT, run.clock().instant().toString());
    }

    private ServerFacts awaitPromotion(RestoreRun run, StepRun step, Lsn start, Lsn end) {
        int[] looks = {0};
        return run.ports().recoveryWatch().awaitPromotion(run.restored().spec().postgres(), run.recoveryTimeout(),
                state -> {
                    step.checkCancelled();
                    if (state.replayed() != null && end != null && end.isAfter(start)) {
                        step.progress(Math.max(0, state.replayed().value() - start.value()), end.value() - start.value(), "bytes of WAL");
                    }
                    if (state.phase() == RecoveryState.Phase.UNREACHABLE && ++looks[0] % LOOKS_BETWEEN_MEMBER_CHECKS == 0
                            && run.restored().control().members().isEmpty()) {
                        throw new IllegalStateException("PostgreSQL of " + run.restored().name() + " stopped during recovery ("
                                + state.detail() + "): it cannot reach " + run.target().describe() + " with the archived WAL, "
                                + "or restore_command failed. Nothing was promoted" + inPostgresWords(run));
                    }
                });
    }

    /** "; PostgreSQL said: …" with the server's last complaints, or nothing where they cannot be read. */
    static String inPostgresWords(RestoreRun run) {
        java.util.List<String> complaints = run.restored().control().serverComplaints();
        return complaints.isEmpty() ? "" : "; PostgreSQL said: " + String.join(" | ", complaints);
    }

    @Override
    public Duration timeout() {
        return Duration.ofDays(7); // the run's own recovery timeout bounds it
    }

    @Override
    public FailurePolicy onFailure() {
        return onFailure;
    }
}
