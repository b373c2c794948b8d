package dev.shelter.runbooks.cluster;

import java.nio.file.Path;
import java.util.Objects;

/** Where a member's volume really lives: what a snapshotter acts on. */
public sealed interface VolumeLocation {

    /** The name a {@code VolumeSnapshotter} knows the volume by. */
    String snapshotterVolume();

    /** A Ceph RBD image, from ceph-csi's volume attributes or a static PV's RBD source. */
    record RbdImage(String pool, String image) implements VolumeLocation {
        public RbdImage {
            Objects.requireNonNull(pool, "pool");
            Objects.requireNonNull(image, "image");
        }

        @Override
        public String snapshotterVolume() {
            return image;
        }

        @Override
        public String toString() {
            return "rbd:" + pool + "/" + image;
        }
    }

    /** A directory on this machine (local mode). */
    record LocalDirectory(Path path) implements VolumeLocation {
        public LocalDirectory {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String snapshotterVolume() {
            return path.toString();
        }

        @Override
        public String toString() {
            return "dir:" + path;
        }
    }
}
