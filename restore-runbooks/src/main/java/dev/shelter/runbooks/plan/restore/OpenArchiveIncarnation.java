package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

/**
 * Before the restored server starts: a new archive incarnation, so the new history's WAL never
 * meets the old one's names; the old incarnations stay readable for restore_command. An archive
 * that keeps no incarnations (plain files) relies on PostgreSQL choosing a timeline whose history
 * is not yet archived, which it does by asking restore_command.
 */
final class OpenArchiveIncarnation implements Step<RestoreRun> {

    private final FailurePolicy onFailure;

    /** A failure stops for a human: the rollback restore's way, past its point of no return. */
    OpenArchiveIncarnation() {
        this(FailurePolicy.stopAndAlert());
    }

    /** Clone and swap rolls back instead: the originals are still there to swap back. */
    OpenArchiveIncarnation(FailurePolicy onFailure) {
        this.onFailure = onFailure;
    }

    static final String INCARNATION = "archiveIncarnation";

    @Override
    public String name() {
        return "OpenArchiveIncarnation";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return run.restored().walArchive().inspection().isPresent() ? "a new incarnation of " + run.restored().walArchive().describe()
                : run.restored().walArchive().describe() + " (keeps no incarnations: nothing to do)";
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return facts.get(INCARNATION).isPresent();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        String incarnation = run.restored().walArchive().inspection().map(inspection -> Integer.toString(inspection.beginIncarnation()))
                .orElse("none");
        step.record(INCARNATION, incarnation);
    }

    /**
     * The restored server may have written its new timeline there (its history file at least); with
     * the originals swapped back that WAL leads nowhere, so the incarnation is abandoned: kept, never
     * read. The cluster, started again as it was, writes to a new one.
     */
    @Override
    public void undo(RestoreRun run, Facts facts, String reason) {
        facts.get(INCARNATION).filter(number -> !number.equals("none")).ifPresent(number -> run.restored().walArchive().inspection()
                .ifPresent(archive -> archive.abandonIncarnation(Integer.parseInt(number), "restore swapped back: " + reason)));
    }

    @Override
    public FailurePolicy onFailure() {
        return onFailure;
    }
}
