package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

/**
 * backup_label and tablespace_map byte for byte, recovery.signal, restore_command, exactly one
 * target, its inclusiveness, the timeline, and promote at the end; verified as written. Once done
 * it is never redone: PostgreSQL consumes the files as it recovers.
 */
final class WriteRecoveryFiles implements Step<RestoreRun> {

    static final String WRITTEN_AT = "recoveryFilesWrittenAt";

    @Override
    public String name() {
        return "WriteRecoveryFiles";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return run.recoveryFiles().describe() + ": " + run.target().describe() + ", timeline " + run.timeline()
                + ", promote when reached";
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return facts.get(WRITTEN_AT).isPresent();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        run.recoveryFiles().write(run.backup(), run.restoreCommand(), run.target(), run.history());
        step.record(WRITTEN_AT, run.clock().instant().toString());
    }

    @Override
    public FailurePolicy onFailure() {
        return FailurePolicy.stopAndAlert();
    }
}
