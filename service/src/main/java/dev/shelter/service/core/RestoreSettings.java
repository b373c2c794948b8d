package dev.shelter.service.core;

import dev.shelter.runbooks.cluster.HaControl;
import dev.shelter.runbooks.plan.restore.RestoreRun;
import dev.shelter.runbooks.restore.RecoveryFilesTarget;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a cluster's restores need beyond its ports, from its configuration: the restore_command
 * its server fetches WAL with, where the recovery files are written, and how long recovery may
 * take, its HA manager if it has one, the operator's checks of the restored data, and how its volumes
 * are swapped for a clone-and-swap restore, and where a restore into a new cluster puts it.
 * {@code refusal} says why the cluster cannot be restored yet, when it cannot; {@code cloneSwapRefusal}
 * why it cannot be restored by clone and swap, {@code newClusterRefusal} why not into a new cluster.
 */
public record RestoreSettings(Optional<String> restoreCommand, Optional<RecoveryFilesTarget> recoveryFiles,
                              Duration recoveryTimeout, Optional<HaControl> ha, List<String> checks, Optional<String> refusal,
                              Optional<RestoreRun.CloneSwap> cloneSwap, Optional<String> cloneSwapRefusal,
                              Optional<NewClusters> newClusters, Optional<String> newClusterRefusal) {
}
