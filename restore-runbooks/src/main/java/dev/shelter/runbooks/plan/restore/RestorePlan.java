package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.FailurePolicy;
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
    public static final String CLONE_SWAP = "restore-clone-swap";

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

    /**
     * Clone and swap (DESIGN.md section 4): the snapshots are cloned while the cluster still runs,
     * the clones swapped in while it is stopped, and the originals set aside untouched. Until the
     * restored server is verified every failure rolls back: the originals go back in place, the WAL
     * the restored server wrote is abandoned, and the cluster starts as it was. Once verified the
     * restore commits (KeepOriginals) and goes on as a rollback restore does.
     */
    public static Plan<RestoreRun> cloneSwap() {
        FailurePolicy swapBack = FailurePolicy.rollBack();
        return new Plan<>(CLONE_SWAP, List.of(
                new ArchiveCurrentWal(),
                new CheckTarget(),
                new PauseHa(),
                new CloneSnapshots(),
                new StopCluster(),
                new SwapInClones(),
                new WriteRecoveryFiles(swapBack),
                new OpenArchiveIncarnation(swapBack),
                new StartMember(swapBack),
                new AwaitRecoveryEnd(swapBack),
                new VerifyRestore(swapBack),
                new KeepOriginals(),
                new ResetHaHistory(),
                new StartReplicas(),
                new RebuildReplicas(),
                new ResumeHa()), OnInterrupt.RESUME);
    }

    /** The plan of a strategy as the API names it ("rollback", "clone-swap"). */
    public static Optional<Plan<RestoreRun>> forStrategy(String strategy) {
        return switch (strategy) {
            case "rollback" -> Optional.of(rollback());
            case "clone-swap" -> Optional.of(cloneSwap());
            default -> Optional.empty();
        };
    }

    /** The plan a journal names, to resume it. */
    public static Optional<Plan<RestoreRun>> named(String name) {
        return switch (name) {
            case ROLLBACK -> Optional.of(rollback());
            case CLONE_SWAP -> Optional.of(cloneSwap());
            default -> Optional.empty();
        };
    }

    /**
     * The journal's fact that marks the point of no return: from it on, cancelling is refused. A
     * rollback passes it when the volumes begin to roll back; a clone and swap when it commits.
     */
    public static boolean isPastPointOfNoReturn(java.util.Map<String, String> facts) {
        return facts.containsKey(RestoreFacts.VOLUMES_ROLLBACK_STARTED_AT) || facts.containsKey(RestoreFacts.ORIGINALS_KEPT_UNTIL);
    }

}
