package dev.shelter.runbooks.backup;

import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.storage.snapshot.SnapshotRef;

import java.util.Objects;

/**
 * One volume of a backup set and the snapshot taken of it: {@code name} is the volume's name in the
 * cluster's spec, {@code ref} where the snapshotter keeps the snapshot.
 */
public record VolumeSnapshot(VolumeRole role, String name, SnapshotRef ref) {

    public VolumeSnapshot {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(ref, "ref");
    }
}
