package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.OnInterrupt;
import dev.shelter.runbooks.engine.Plan;
import dev.shelter.runbooks.restore.RestoreFacts;

import java.util.List;
import java.util.Optional;

/**
 * The rollback restore, top to bottom. Until the volumes are rolled back a failure undoes what was
 * done (the cluster is started again as it was); from there on a failure stops for a human, since
 * the old data is gone. Interrupted, it resumes: the steps done are skipped, each observed first.
 */
public final class RestorePlan {

    public static final String ROLLBACK = "restore-rollback";

    private RestorePlan() {
    }

    public static Plan<RestoreRun> rollback() {
        return new Plan<>(ROLLBACK, List.of(
                new ArchiveCurrentWal(),
                new CheckTarget(),
                new PauseHa(),
                new StopCluster(),
                new RollbackVolumes(),
                new WriteRecoveryFiles(),
                new OpenArchiveIncarnation(),
                new StartMember(),
                new AwaitRecoveryEnd(),
                new VerifyRestore(),
                new ResetHaHistory(),
                new StartReplicas(),
                new RebuildReplicas(),
                new ResumeHa()), OnInterrupt.RESUME);
    }

    /** The plan a journal names, to resume it. */
    public static Optional<Plan<RestoreRun>> named(String name) {
        return ROLLBACK.equals(name) ? Optional.of(rollback()) : Optional.empty();
    }

    /** The journal's fact that marks the point of no return: from it on, cancelling is refused. */
    public static boolean isPastPointOfNoReturn(java.util.Map<String, String> facts) {
        return facts.containsKey(RestoreFacts.VOLUMES_ROLLBACK_STARTED_AT);
    }

}
