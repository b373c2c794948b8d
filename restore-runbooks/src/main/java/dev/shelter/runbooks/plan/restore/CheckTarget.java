package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.restore.RestoreFacts;
import dev.shelter.runbooks.restore.RestorePreflight;

/**
 * The last look before anything is changed: the backup and the target checked again against the
 * archive as it is now (a request was checked when it came; the archive may have changed since).
 */
final class CheckTarget implements Step<RestoreRun> {

    static final String REPLAYABLE_TO = RestoreFacts.REPLAYABLE_TO;

    @Override
    public String name() {
        return "CheckTarget";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return run.target().describe() + " from backup " + run.backup().id() + " along timeline " + run.timeline();
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return facts.get(REPLAYABLE_TO).isPresent();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        run.requireRestorableBackup();
        RestorePreflight.Findings findings = RestorePreflight.check(run.backup(), run.target(), run.history(),
                run.cluster().walArchive());
        step.record(REPLAYABLE_TO, findings.replayableTo().toString());
    }
}
