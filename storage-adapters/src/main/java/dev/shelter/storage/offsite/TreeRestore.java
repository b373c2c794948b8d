package dev.shelter.storage.offsite;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Rebuilds an exported directory tree in a new directory: directories first, every file at its
 * size (pieces of zeros left as holes), every distinct chunk fetched once, checked against its
 * name and written to each piece (or small file's slice of a bundle) that holds it by
 * {@code parallelFetches} threads across files, each file synced as its last piece lands; then
 * links, modes and times (a directory's last, since writing into it changes its time), and the
 * directories synced. The first missing or damaged chunk ends the restore with a
 * {@link CorruptChunkException} naming it.
 */
public final class TreeRestore {

    public record Stats(int piecesWritten, int piecesStored, long bytesWritten) {
    }

    private final ChunkStore chunks;
    private final int parallelFetches;

    public TreeRestore(ChunkStore chunks, int parallelFetches) {
        if (parallelFetches < 1) {
            throw new IllegalArgumentException("at least one fetch at a time, not " + parallelFetches);
        }
        this.chunks = chunks;
        this.parallelFetches = parallelFetches;
    }

    /** {@code target} must not exist, or be an empty directory: a restore never mixes with what is there. */
    public Stats restore(TreeManifest manifest, Path target, Consumer<Stats> progress) {
        int stored = manifest.entries().stream().mapToInt(entry -> entry instanceof TreeManifest.RegularFile file
                ? file.content().chunkIds().size() : 0).sum();
        AtomicInteger written = new AtomicInteger();
        AtomicLong bytesWritten = new AtomicLong();
        try {
            requireEmpty(target);
            Files.createDirectories(target);
            for (TreeManifest.Entry entry : manifest.entries()) {
                if (entry instanceof TreeManifest.Directory) {
                    Files.createDirectories(inside(target, entry.path()));
                } else if (entry instanceof TreeManifest.RegularFile file) {
                    Path path = inside(target, file.path());
                    Files.createFile(path);
                    try (RandomAccessFile sized = new RandomAccessFile(path.toFile(), "rw")) {
                        sized.setLength(file.content().sizeBytes()); // holes where the pieces of zeros are
                    }
                }
            }
            fetchAll(manifest, target, () -> progress.accept(new Stats(written.get(), stored, bytesWritten.get())), written, bytesWritten);
            List<TreeManifest.Directory> directories = new ArrayList<>();
            for (TreeManifest.Entry entry : manifest.entries()) {
                Path path = inside(target, entry.path());
                if (entry instanceof TreeManifest.SymbolicLink link) {
                    Files.createSymbolicLink(path, Path.of(link.target()));
                    setOwner(path, link.owner());
                } else if (entry instanceof TreeManifest.Directory directory) {
                    directories.add(directory);
                } // a regular file was finished when its last piece was written
            }
            for (int i = directories.size() - 1; i >= 0; i--) { // children before parents
                Path path = inside(target, directories.get(i).path());
                setOwner(path, directories.get(i).owner());
                Files.setPosixFilePermissions(path, permissions(directories.get(i).mode()));
                Files.setLastModifiedTime(path, FileTime.fromMillis(directories.get(i).modifiedMillis()));
            }
            if (manifest.root() != null) {
                setOwner(target, manifest.root().owner());
                Files.setPosixFilePermissions(target, permissions(manifest.root().mode()));
                Files.setLastModifiedTime(target, FileTime.fromMillis(manifest.root().modifiedMillis()));
            }
            for (int i = directories.size() - 1; i >= 0; i--) {
                force(inside(target, directories.get(i).path()));
            }
            force(target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore into " + target + ": " + e.getMessage(), e);
        }
        Stats stats = new Stats(written.get(), stored, bytesWritten.get());
        progress.accept(stats);
        return stats;
    }

    /**
     * Where a chunk's bytes go: {@code length} bytes from {@code from} in the chunk (all of a piece,
     * or a small file's slice of a bundle) to {@code at} in the file, and how many of the file's
     * pieces are still to come. {@code wholeChunk}: the chunk must hold exactly {@code length} bytes.
     */
    private record Place(Path path, TreeManifest.RegularFile file, long at, int from, int length, boolean wholeChunk,
                         AtomicInteger piecesLeft) {
    }

    /**
     * Each distinct chunk is fetched once and written to every place that holds it: a data
     * directory repeats many files (template0's and template1's catalogs are the same bytes), so
     * this spares many requests and their checks (43 % in bench/offsite), and a request costs more
     * CPU than a small chunk's bytes.
     */
    private void fetchAll(TreeManifest manifest, Path target, Runnable report, AtomicInteger written, AtomicLong bytesWritten) {
        // A piece longer than a chunk can hold is refused by the read, naming it: no buffer is made for it.
        Buffers buffers = new Buffers(Math.min(ChunkFrame.MAX_CHUNK_BYTES, manifest.entries().stream()
                .mapToInt(entry -> entry instanceof TreeManifest.RegularFile file ? chunkBytesOf(file.content()) : 0)
                .max().orElse(0)), parallelFetches);
        // The largest files first: each is synced as its last piece lands, and a large file's sync then
        // overlaps the fetching of the small ones instead of ending the restore.
        List<TreeManifest.RegularFile> files = manifest.entries().stream()
                .filter(TreeManifest.RegularFile.class::isInstance).map(TreeManifest.RegularFile.class::cast)
                .sorted(Comparator.comparingLong((TreeManifest.RegularFile file) -> file.content().sizeBytes()).reversed())
                .toList();
        Map<ChunkId, List<Place>> placesByChunk = new LinkedHashMap<>(); // in that order
        try (BoundedWork fetches = new BoundedWork("offsite-fetch", parallelFetches)) {
            for (TreeManifest.RegularFile file : files) {
                Path path = inside(target, file.path());
                AtomicInteger piecesLeft = new AtomicInteger(file.content().chunkIds().size());
                if (piecesLeft.get() == 0) {
                    fetches.submit(() -> finish(path, file)); // empty, or all zeros
                }
                if (file.content() instanceof TreeManifest.Slice slice) {
                    placesByChunk.computeIfAbsent(slice.bundle(), id -> new ArrayList<>())
                            .add(new Place(path, file, 0, slice.offset(), slice.length(), false, piecesLeft));
                } else {
                    ImageManifest pieces = (ImageManifest) file.content();
                    for (Map.Entry<Integer, ChunkId> piece : pieces.chunks().entrySet()) {
                        placesByChunk.computeIfAbsent(piece.getValue(), id -> new ArrayList<>()).add(new Place(path, file,
                                pieces.offsetOf(piece.getKey()), 0, pieces.lengthOf(piece.getKey()), true, piecesLeft));
                    }
                }
            }
            for (Map.Entry<ChunkId, List<Place>> chunk : placesByChunk.entrySet()) {
                fetches.submit(() -> {
                    byte[] buffer = buffers.borrow();
                    try {
                        int length = chunks.read(chunk.getKey(), buffer);
                        for (Place place : chunk.getValue()) {
                            write(chunk.getKey(), place, buffer, length);
                            bytesWritten.addAndGet(place.length());
                            written.incrementAndGet();
                            if (place.piecesLeft().decrementAndGet() == 0) {
                                finish(place.path(), place.file());
                            }
                        }
                    } finally {
                        buffers.giveBack(buffer);
                    }
                    report.run();
                });
            }
            fetches.awaitAll();
        }
    }

    private static void write(ChunkId id, Place place, byte[] bytes, int length) {
        if (place.wholeChunk() ? length != place.length() : length < place.from() + place.length()) {
            throw new CorruptChunkException(id, "holds " + length + " bytes where " + place.file().path() + " needs "
                    + (place.wholeChunk() ? place.length() + " at " + place.at() : place.from() + place.length()));
        }
        write(place.path(), place.at(), bytes, place.from(), place.length());
    }

    /** The largest chunk a file's content reads: its pieces' size, or a whole bundle's. */
    private static int chunkBytesOf(TreeManifest.Content content) {
        return content instanceof ImageManifest pieces ? pieces.chunkBytes() : ChunkFrame.CHUNK_BYTES;
    }

    /**
     * A file whose pieces are all written gets its owner, mode and time, and goes to disk, while
     * other files are still fetched: as pgBackRest's restore does, every file is synced before
     * the restore returns, since the caller then records the volume as rebuilt, and a machine
     * that loses its power after that must not come back to holes where the data was.
     */
    private static void finish(Path path, TreeManifest.RegularFile file) {
        try {
            setOwner(path, file.owner());
            Files.setPosixFilePermissions(path, permissions(file.mode()));
            Files.setLastModifiedTime(path, FileTime.fromMillis(file.modifiedMillis()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish " + path + ": " + e.getMessage(), e);
        }
        force(path);
    }

    /** Synced to disk: a file's bytes and attributes, or a directory's entries. */
    private static void force(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot sync " + path + " to disk: " + e.getMessage(), e);
        }
    }

    private static void write(Path path, long offset, byte[] bytes, int from, int length) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes, from, length);
            while (buffer.hasRemaining()) {
                channel.write(buffer, offset + buffer.position() - from);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * The owner the copy kept, by name: a data directory PostgreSQL refuses to start from unless
     * its user owns it. A name this machine does not know fails the restore, naming it.
     */
    private static void setOwner(Path path, TreeManifest.Owner owner) throws IOException {
        if (owner == null) {
            return; // a copy made before owners were kept: the restoring user owns it
        }
        UserPrincipalLookupService names = path.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        try {
            view.setOwner(names.lookupPrincipalByName(owner.user()));
            view.setGroup(names.lookupPrincipalByGroupName(owner.group()));
        } catch (UserPrincipalNotFoundException e) {
            throw new IllegalStateException("cannot give " + path + " to " + owner.user() + ":" + owner.group()
                    + ", its owner in the copy: this machine has no such user or group", e);
        }
    }

    private static void requireEmpty(Path target) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("cannot restore into " + target + ": it exists and is not a directory");
        }
        try (var children = Files.list(target)) {
            if (children.findAny().isPresent()) {
                throw new IllegalArgumentException("cannot restore into " + target + ": it is not empty");
            }
        }
    }

    private static Path inside(Path target, String relative) {
        Path path = target.resolve(TreeManifest.requireRelative(relative)).normalize();
        if (!path.startsWith(target.normalize())) {
            throw new CorruptManifestException("a tree entry " + relative + " points outside the restore's target");
        }
        return path;
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission permission : PosixFilePermission.values()) {
            if ((mode & (1 << (8 - permission.ordinal()))) != 0) {
                permissions.add(permission);
            }
        }
        return permissions;
    }
}
