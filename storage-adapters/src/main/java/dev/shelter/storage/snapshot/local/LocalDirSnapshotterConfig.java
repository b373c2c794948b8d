package dev.shelter.storage.snapshot.local;

import java.nio.file.Path;
import java.util.Objects;

/** Where {@link LocalDirSnapshotter} keeps its copies: a directory outside every volume it snapshots. */
public record LocalDirSnapshotterConfig(Path snapshotRoot) {

    public LocalDirSnapshotterConfig {
        Objects.requireNonNull(snapshotRoot, "snapshot root");
        snapshotRoot = snapshotRoot.toAbsolutePath().normalize();
    }
}
