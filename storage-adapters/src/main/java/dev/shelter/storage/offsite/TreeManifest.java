package dev.shelter.storage.offsite;

import java.util.List;
import java.util.Objects;

/**
 * A directory tree (a local-directory snapshot) as the repository holds it: every directory,
 * regular file and symbolic link under the root, parents before children, each with its path
 * relative to the root ("/"-separated), its POSIX permissions and its modification time. A file's
 * content is an {@link ImageManifest}: pieces and their chunks, zeros stored nowhere.
 */
public record TreeManifest(List<Entry> entries) {

    public TreeManifest {
        entries = List.copyOf(entries);
    }

    /** One thing in the tree. */
    public sealed interface Entry permits Directory, RegularFile, SymbolicLink {
        String path();
    }

    public record Directory(String path, int mode, long modifiedMillis) implements Entry {
        public Directory {
            requireRelative(path);
        }
    }

    public record RegularFile(String path, int mode, long modifiedMillis, ImageManifest content) implements Entry {
        public RegularFile {
            requireRelative(path);
            Objects.requireNonNull(content, "content");
        }
    }

    public record SymbolicLink(String path, String target) implements Entry {
        public SymbolicLink {
            requireRelative(path);
            Objects.requireNonNull(target, "target");
        }
    }

    /** A path inside the root: never absolute, never climbing out, never empty, so a restore writes only under its target. */
    static String requireRelative(String path) {
        Objects.requireNonNull(path, "path");
        if (path.isEmpty() || path.startsWith("/") || path.endsWith("/") || path.contains("//") || path.contains("\0")) {
            throw new IllegalArgumentException("a tree entry's path is relative and plain, not '" + path + "'");
        }
        for (String segment : path.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("a tree entry's path never climbs: '" + path + "'");
            }
        }
        return path;
    }
}
