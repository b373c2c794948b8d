package dev.shelter.storage.offsite;

import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * A directory tree (a local-directory snapshot) as the repository holds it: every directory,
 * regular file and symbolic link under the root, parents before children, each with its path
 * relative to the root ("/"-separated), its POSIX permissions, its modification time and its
 * owner (by name, as pgBackRest keeps them: numbers differ between machines; null in copies made
 * before owners were kept). A file's content is an {@link ImageManifest}: pieces and their chunks,
 * zeros stored nowhere; or, for a small file, a {@link Slice} of a bundle it shares with others.
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

    public record RegularFile(String path, int mode, long modifiedMillis, Content content, Owner owner) implements Entry {
        public RegularFile {
            requireRelative(path);
            Objects.requireNonNull(content, "content");
        }

        /** Owner unknown. */
        public RegularFile(String path, int mode, long modifiedMillis, Content content) {
            this(path, mode, modifiedMillis, content, null);
        }
    }

    /** What a regular file holds, and where the repository keeps it. */
    public sealed interface Content permits ImageManifest, Slice {
        long sizeBytes();

        /** The chunks a restore of the file reads. */
        Collection<ChunkId> chunkIds();
    }

    /**
     * A small file kept inside a bundle: one chunk that holds small files of one directory end to
     * end, so that a restore fetches one object for them all instead of one each (pgBackRest
     * bundles small files for the same reason). {@code name} is what the file's own chunk would be
     * named: a sampled unchanged file is compared by it.
     */
    public record Slice(ChunkId bundle, int offset, int length, ChunkId name) implements Content {
        public Slice {
            Objects.requireNonNull(bundle, "bundle");
            Objects.requireNonNull(name, "name");
            if (offset < 0 || length <= 0 || (long) offset + length > ChunkFrame.CHUNK_BYTES) {
                throw new IllegalArgumentException("a slice lies inside a bundle of at most " + ChunkFrame.CHUNK_BYTES
                        + " bytes, not at " + offset + " for " + length);
            }
        }

        @Override
        public long sizeBytes() {
            return length;
        }

        @Override
        public Collection<ChunkId> chunkIds() {
            return List.of(bundle);
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
