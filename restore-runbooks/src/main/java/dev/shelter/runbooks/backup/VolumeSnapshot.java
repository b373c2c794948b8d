package dev.shelter.runbooks.backup;

import dev.shelter.runbooks.cluster.VolumeRole;

import java.util.Objects;

/** One volume of a backup set and the snapshot taken of it. */
public record VolumeSnapshot(VolumeRole role, String name, String volume, String snapshot) {

    public VolumeSnapshot {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(snapshot, "snapshot");
    }
}
