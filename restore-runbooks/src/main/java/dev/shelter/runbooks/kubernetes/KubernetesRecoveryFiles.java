package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.cluster.ClusterTargetException;
import dev.shelter.runbooks.cluster.VolumeJobs.JobOutcome;
import dev.shelter.runbooks.cluster.VolumeJobs.VolumeJob;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.restore.RecoveryFilesTarget;
import dev.shelter.runbooks.restore.RecoveryOrder;
import dev.shelter.runbooks.restore.RestoreRefusedException;
import dev.shelter.runbooks.restore.RestoreTarget;
import dev.shelter.runbooks.wal.TimelineHistory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Recovery files written on Kubernetes by a short-lived job that mounts the claim of the member a
 * restore starts (ordinal 0, the one a StatefulSet scaled to 1 runs) and runs Shelter's own image in
 * its {@code restore-prepare} mode: the same {@link RecoveryOrder} code that would run in-process,
 * next to the volume. The job reports the digest of the backup_label it wrote, read back from the
 * volume, and it is checked against the backup's. Each write is a job of its own name, so an old
 * job never answers for a new one.
 */
public final class KubernetesRecoveryFiles implements RecoveryFilesTarget {

    /** How to run Shelter's jar in the cluster: its image, and the command that starts it ({@code java -jar ...}). */
    public record ShelterImage(String image, List<String> command) {
        public ShelterImage {
            Objects.requireNonNull(image, "image");
            command = List.copyOf(command);
            if (command.isEmpty()) {
                throw new IllegalArgumentException("the command that starts Shelter in its image is empty");
            }
        }
    }

    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(5);

    private final KubernetesClusterControl jobs;
    private final String claim;
    private final String pgdataPath;
    private final ShelterImage shelter;

    /**
     * @param claim      the pgdata claim of the member that recovers ({@code pgdata-<statefulset>-0})
     * @param pgdataPath where PGDATA is inside the claim, relative ("" for its root)
     */
    public KubernetesRecoveryFiles(KubernetesClusterControl jobs, String claim, String pgdataPath, ShelterImage shelter) {
        this.jobs = Objects.requireNonNull(jobs, "jobs");
        this.claim = Objects.requireNonNull(claim, "claim");
        this.pgdataPath = Objects.requireNonNull(pgdataPath, "pgdataPath");
        this.shelter = Objects.requireNonNull(shelter, "shelter");
    }

    @Override
    public List<String> write(BackupManifest backup, String restoreCommand, RestoreTarget target, TimelineHistory along,
                              Map<String, Integer> settingsAtLeast) {
        RecoveryOrder order = new RecoveryOrder(backup, restoreCommand, target, along, settingsAtLeast);
        String name = KubernetesClusterControl.jobName("shelter-restore-prepare-");
        List<String> command = new ArrayList<>(shelter.command());
        command.addAll(List.of("restore-prepare", "--pgdata", pgdata(), "--order", order.encode()));
        JobOutcome outcome = jobs.runWithVolume(new VolumeJob(name, claim, KubernetesClusterControl.JOB_MOUNT, shelter.image(), command),
                JOB_TIMEOUT);
        if (!outcome.succeeded()) {
            throw new ClusterTargetException(ClusterTargetException.Reason.UNAVAILABLE, "the restore-prepare job " + name + " on claim "
                    + claim + " failed; its log: " + KubernetesClusterControl.tail(outcome.log()));
        }
        try {
            return order.checkReport(outcome.log());
        } catch (IllegalStateException e) {
            throw new IllegalStateException("the restore-prepare job " + name + " on claim " + claim + " succeeded, but " + e.getMessage()
                    + "; its log: " + KubernetesClusterControl.tail(outcome.log()), e);
        }
    }

    /** The backup's PGDATA image must be the one bound to ordinal 0's claim: that pod recovers, and the job writes there. */
    @Override
    public void requireBackupOfThisVolume(BackupManifest backup) {
        String backedUp = backup.snapshots().stream().filter(s -> s.role() == VolumeRole.PGDATA).findFirst()
                .map(s -> s.ref().volume()).orElseThrow(() -> new RestoreRefusedException("backup " + backup.id() + " has no PGDATA snapshot"));
        String bound;
        try {
            bound = jobs.volumeOf(claim).snapshotterVolume();
        } catch (ClusterTargetException e) {
            throw new RestoreRefusedException("backup " + backup.id() + " cannot be rolled back into claim " + claim + ": "
                    + e.getMessage());
        }
        if (!bound.equals(backedUp)) {
            throw new RestoreRefusedException("backup " + backup.id() + " is of volume " + backedUp + ", but the member that recovers"
                    + " mounts claim " + claim + ", bound to " + bound + ": a rollback restore starts ordinal 0, so only backups taken"
                    + " while it was the primary can be restored this way");
        }
    }

    @Override
    public String describe() {
        return "claim " + claim + (pgdataPath.isEmpty() ? "" : " (" + pgdataPath + ")") + ", by a restore-prepare job of "
                + shelter.image();
    }

    private String pgdata() {
        return KubernetesClusterControl.JOB_MOUNT + (pgdataPath.isEmpty() ? "" : "/" + pgdataPath);
    }
}
