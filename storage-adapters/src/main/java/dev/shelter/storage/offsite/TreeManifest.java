package dev.shelter.storage.offsite;

import java.util.List;
import java.util.Objects;

/**
 * A directory tree (a local-directory snapshot) as the repository holds it: every directory,
 * regular file and symbolic link under the root, parents before children, each with its path
 * relative to the root ("/"-separated), its POSIX permissions, its modification time and its
 * owner (by name, as pgBackRest keeps them: numbers differ between machines; null in copies made
 * before owners were kept). A file's content is an {@link ImageManifest}: pieces and their chunks,
 * zeros stored nowhere.
 */
public record TreeManifest(List<Entry> entries, Root root) {

    public TreeManifest {
        entries = List.copyOf(entries);
    }

    /** Root attributes unknown (a copy made before they were kept). */
    public TreeManifest(List<Entry> entries) {
        this(entries, null);
    }

    /** The root directory's own mode, time and owner: PostgreSQL checks a data directory's. */
    public record Root(int mode, long modifiedMillis, Owner owner) {
        public Root {
            Objects.requireNonNull(owner, "owner");
        }
    }

    /** One thing in the tree. */
    public sealed interface Entry permits Directory, RegularFile, SymbolicLink {
        String path();

        /** Null where the copy did not keep it. */
        Owner owner();
    }

    /** Who owns an entry: a user and a group, by name. */
    public record Owner(String user, String group) {
        public Owner {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(group, "group");
        }
    }

    public record Directory(String path, int mode, long modifiedMillis, Owner owner) implements Entry {
        public Directory {
            requireRelative(path);
        }

        /** Owner unknown. */
        public Directory(String path, int mode, long modifiedMillis) {
            this(path, mode, modifiedMillis, null);
        }
    }

    public record RegularFile(String path, int mode, long modifiedMillis, ImageManifest content, Owner owner) implements Entry {
        public RegularFile {
            requireRelative(path);
            Objects.requireNonNull(content, "content");
        }

        /** Owner unknown. */
        public RegularFile(String path, int mode, long modifiedMillis, ImageManifest content) {
            this(path, mode, modifiedMillis, content, null);
        }
    }

    public record SymbolicLink(String path, String target, Owner owner) implements Entry {
        public SymbolicLink {
            requireRelative(path);
            Objects.requireNonNull(target, "target");
        }

        /** Owner unknown. */
        public SymbolicLink(String path, String target) {
            this(path, target, null);
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
