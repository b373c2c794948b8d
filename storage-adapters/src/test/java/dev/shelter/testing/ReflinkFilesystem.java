package dev.shelter.testing;

import java.nio.file.Path;

/** A directory on a filesystem that can clone files (XFS with reflink), from the stack's reflink component. */
public record ReflinkFilesystem(Path directory) {

    @Override
    public String toString() {
        return "reflink filesystem at " + directory;
    }
}
