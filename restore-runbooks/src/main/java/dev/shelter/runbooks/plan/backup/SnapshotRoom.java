package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.failure.ConflictException;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether the volumes of a backup set have room for one more snapshot. Ceph refuses a snapshot
 * past its limit (ceph-csi keeps 450 per image, librbd 510) in the middle of a backup; Shelter
 * refuses the backup first, saying which volume is full and what to do, and warns from 90 %.
 */
public final class SnapshotRoom {

    private SnapshotRoom() {
    }

    /** Refuses (a conflict) when a volume has {@code maxSnapshotsPerVolume} snapshots already. */
    public static void require(ProtectedCluster cluster, List<String> volumes) {
        int most = cluster.policy().maxSnapshotsPerVolume();
        for (String volume : volumes) {
            int taken = cluster.snapshotter().listSnapshots(volume).size();
            if (taken >= most) {
                throw new ConflictException("volume " + volume + " of cluster '" + cluster.name() + "' has " + taken + " snapshots, the "
                        + "most it may have (backups.maxSnapshotsPerVolume, " + most + "; ceph-csi keeps at most "
                        + ProtectedCluster.BackupPolicy.CEPH_CSI_SNAPSHOT_LIMIT + " per image): delete old backups, or sweep them "
                        + "with the cluster's retention policy, before the next backup");
            }
        }
    }

    /** A line per volume at 90 % of the limit or more. */
    public static List<String> warnings(ProtectedCluster cluster, List<String> volumes) {
        int most = cluster.policy().maxSnapshotsPerVolume();
        List<String> warnings = new ArrayList<>();
        for (String volume : volumes) {
            int taken = cluster.snapshotter().listSnapshots(volume).size();
            if (taken * 10 >= most * 9) {
                warnings.add("volume " + volume + " has " + taken + " of the " + most + " snapshots it may have");
            }
        }
        return warnings;
    }
}
