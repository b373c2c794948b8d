package dev.shelter.storage.snapshot;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One snapshot of one volume. {@code volume} is what the adapter understands (an RBD image name,
 * a directory); {@code snapshot} is a name Shelter chose, safe as a file name and an RBD snap name.
 */
public record SnapshotRef(String volume, String snapshot) {

    private static final Pattern SNAPSHOT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    public SnapshotRef {
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(snapshot, "snapshot");
        if (volume.isBlank()) {
            throw new IllegalArgumentException("volume must not be blank");
        }
        if (!SNAPSHOT_NAME.matcher(snapshot).matches() || snapshot.endsWith(".partial") || snapshot.endsWith(".protected")) {
            throw new IllegalArgumentException("'" + snapshot + "' is not a usable snapshot name");
        }
    }

    /** The inverse of {@link #toString()}: the snapshot name is after the last {@code @} (a volume may hold one, a name never does). */
    public static SnapshotRef parse(String text) {
        int at = text.lastIndexOf('@');
        if (at <= 0) {
            throw new IllegalArgumentException("'" + text + "' is not volume@snapshot");
        }
        return new SnapshotRef(text.substring(0, at), text.substring(at + 1));
    }

    @Override
    public String toString() {
        return volume + "@" + snapshot;
    }
}
