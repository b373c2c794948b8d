package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.OnInterrupt;
import dev.shelter.runbooks.engine.Plan;
import dev.shelter.runbooks.engine.Step;
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
    public static final String NEW_CLUSTER = "restore-new-cluster";
    public static final String FROM_OBJECT_STORE = "restore-from-object-store";
    /** Not a restore: the removal of a new cluster a restore made (DELETE /restores/{id}). */
    public static final String TEARDOWN_NEW_CLUSTER = "teardown-new-cluster";

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
        return swapping(CLONE_SWAP, new CloneSnapshots());
    }

    /**
     * From the off-site repository (DESIGN.md section 4), when the snapshots are gone with their
     * Ceph cluster: each volume is rebuilt from its copy where a clone would go, while the cluster
     * still runs or is down, and from there the restore goes on as a clone and swap does. A missing
     * or damaged chunk fails it before the cluster is stopped.
     */
    public static Plan<RestoreRun> fromObjectStore() {
        return swapping(FROM_OBJECT_STORE, new RebuildVolumes());
    }

    /** The clone-and-swap plan, its new volumes made by {@code makeVolumes}. */
    private static Plan<RestoreRun> swapping(String name, Step<RestoreRun> makeVolumes) {
        FailurePolicy swapBack = FailurePolicy.rollBack();
        return new Plan<>(name, List.of(
                new ArchiveCurrentWal(),
                new CheckTarget(),
                new PauseHa(),
                makeVolumes,
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

    /**
     * A restore into a new cluster (DESIGN.md section 4): the snapshots are cloned into new volumes
     * and started as a cluster of their own, on its own port or in its own namespace, archiving into
     * its own archive. The source is only read: no step stops it, switches its WAL or writes its
     * archive. Any failure removes what was made; a success leaves the new cluster running until
     * its teardown.
     */
    public static Plan<RestoreRun> newCluster() {
        FailurePolicy removeCopy = FailurePolicy.rollBack();
        return new Plan<>(NEW_CLUSTER, List.of(
                new CheckTarget(),
                new CloneIntoNewCluster(),
                new ConfigureNewCluster(),
                new WriteRecoveryFiles(removeCopy),
                new StartMember(removeCopy), // no OpenArchiveIncarnation: its archive is new, and its first file opens it
                new AwaitRecoveryEnd(removeCopy),
                new VerifyRestore(removeCopy)), OnInterrupt.RESUME);
    }

    /** The removal of a new cluster: its server, its volumes, its archive. Interrupted, it resumes. */
    public static Plan<RestoreRun> teardownNewCluster() {
        return new Plan<>(TEARDOWN_NEW_CLUSTER, List.of(
                new StopNewCluster(),
                new RemoveNewCluster(),
                new RemoveNewClusterArchive()), OnInterrupt.RESUME);
    }

    /** The plan of a strategy as the API names it ("rollback", "clone-swap", "new-cluster", "from-object-store"). */
    public static Optional<Plan<RestoreRun>> forStrategy(String strategy) {
        return switch (strategy) {
            case "rollback" -> Optional.of(rollback());
            case "clone-swap" -> Optional.of(cloneSwap());
            case "new-cluster" -> Optional.of(newCluster());
            case "from-object-store" -> Optional.of(fromObjectStore());
            default -> Optional.empty();
        };
    }

    /** The plan a journal names, to resume it: a restore's, or a teardown's. */
    public static Optional<Plan<RestoreRun>> named(String name) {
        return switch (name) {
            case ROLLBACK -> Optional.of(rollback());
            case CLONE_SWAP -> Optional.of(cloneSwap());
            case NEW_CLUSTER -> Optional.of(newCluster());
            case FROM_OBJECT_STORE -> Optional.of(fromObjectStore());
            case TEARDOWN_NEW_CLUSTER -> Optional.of(teardownNewCluster());
            default -> Optional.empty();
        };
    }

    /** A restore's plan; a teardown is not one, though it shares the restore's context. */
    public static boolean isRestore(String name) {
        return named(name).isPresent() && !TEARDOWN_NEW_CLUSTER.equals(name);
    }

    /**
     * The journal's fact that marks the point of no return: from it on, cancelling is refused. A
     * rollback passes it when the volumes begin to roll back; a clone and swap when it commits.
     */
    public static boolean isPastPointOfNoReturn(java.util.Map<String, String> facts) {
        return facts.containsKey(RestoreFacts.VOLUMES_ROLLBACK_STARTED_AT) || facts.containsKey(RestoreFacts.ORIGINALS_KEPT_UNTIL);
    }

}
