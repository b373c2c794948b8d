package dev.shelter.storage.offsite;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Exports a directory tree (a local-directory snapshot) into the repository: every file cut into
 * pieces as an image is, pieces of zeros stored nowhere, every other piece a chunk sent only if
 * the repository lacks it. Files of at most {@link #BUNDLED_BYTES} are gathered instead, end to end
 * and a directory at a time, into bundles: a data directory holds hundreds of small files (catalogs,
 * free-space and visibility maps), and a restore then fetches one object for many of them. A
 * directory that repeats another's small files (template0's and template1's catalogs) repeats its
 * bundles too, so they are still stored once.
 *
 * <p>Given the previous export of the same volume, a file whose size and modification time are
 * unchanged takes its chunks from it unread, as rsync decides. A random sample of those files is
 * read anyway and compared; one mismatch, and the comparison is distrusted loudly and every file
 * is read.
 */
public final class TreeExport {

    private static final Logger LOG = LoggerFactory.getLogger(TreeExport.class);
    /** The largest file kept in a bundle; pgBackRest's bundle limit is 2 MiB too. */
    static final int BUNDLED_BYTES = 2 << 20;

    /** How far an export is: files done of the total, what was read and sent, what was reused, taken unread, or sampled. */
    public record Stats(int filesDone, int filesTotal, long bytesRead, long bytesUploaded, int chunksUploaded, int chunksReused,
                        int filesTakenFromPrevious, int filesSampled) {
    }

    public record Result(TreeManifest manifest, Stats stats, Optional<String> distrustedComparison) {
    }

    private final ChunkStore chunks;
    private final int parallelUploads;
    private final UploadThrottle throttle;
    private final SampleCheck sample;

    public TreeExport(ChunkStore chunks, int parallelUploads, UploadThrottle throttle, SampleCheck sample) {
        this.chunks = chunks;
        this.parallelUploads = parallelUploads;
        this.throttle = throttle;
        this.sample = sample;
    }

    public Result export(Path root, Optional<TreeManifest> previous, java.util.function.Consumer<Stats> progress) {
        return export(root, previous, path -> false, progress);
    }

    /**
     * As above, leaving out the regular files whose relative path {@code leftOut} accepts (their
     * directories stay): what a restore never needs, such as a data directory's WAL segments.
     */
    public Result export(Path root, Optional<TreeManifest> previous, java.util.function.Predicate<String> leftOut,
                         java.util.function.Consumer<Stats> progress) {
        Map<String, TreeManifest.RegularFile> before = new HashMap<>();
        previous.ifPresent(manifest -> manifest.entries().forEach(entry -> {
            if (entry instanceof TreeManifest.RegularFile file) {
                before.put(file.path(), file);
            }
        }));
        try {
            return run(root, before, leftOut, progress);
        } catch (ComparisonMismatch mismatch) {
            LOG.error("COMPARISON DISTRUSTED: {}. A file changed without its size or modification time changing; every file is "
                    + "read instead. Check what writes to the snapshots' directory.", mismatch.getMessage());
            Result full = run(root, Map.of(), leftOut, progress);
            return new Result(full.manifest(), full.stats(), Optional.of(mismatch.getMessage()));
        }
    }

    private Result run(Path root, Map<String, TreeManifest.RegularFile> before, java.util.function.Predicate<String> leftOut,
                       java.util.function.Consumer<Stats> progress) {
        List<Path> paths = walk(root).stream()
                .filter(path -> !(Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && leftOut.test(relative(root, path)))).toList();
        int total = (int) paths.stream().filter(path -> Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)).count();
        List<Object> entries = new ArrayList<>(); // entries, or files whose pieces are still being stored
        long bytesRead = 0;
        int taken = 0;
        int filesSampled = 0;
        int done = 0;
        try (Uploads uploads = new Uploads(chunks, parallelUploads, throttle)) {
            Bundles bundles = new Bundles(uploads);
            for (Path path : paths) {
                String relative = relative(root, path);
                PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (attributes.isSymbolicLink()) {
                    entries.add(new TreeManifest.SymbolicLink(relative, Files.readSymbolicLink(path).toString(), owner(attributes)));
                } else if (attributes.isDirectory()) {
                    entries.add(new TreeManifest.Directory(relative, mode(attributes.permissions()), attributes.lastModifiedTime().toMillis(),
                            owner(attributes)));
                } else if (attributes.isRegularFile()) {
                    TreeManifest.RegularFile old = before.get(relative);
                    boolean small = attributes.size() > 0 && attributes.size() <= BUNDLED_BYTES;
                    boolean unchanged = old != null && old.content().sizeBytes() == attributes.size()
                            && old.modifiedMillis() == attributes.lastModifiedTime().toMillis()
                            && (small || old.content() instanceof ImageManifest); // a large file is never a slice
                    boolean sampled = unchanged && sample.draw();
                    if (unchanged && !sampled) {
                        entries.add(new TreeManifest.RegularFile(relative, mode(attributes.permissions()), old.modifiedMillis(),
                                old.content(), owner(attributes)));
                        taken++;
                    } else if (small) {
                        byte[] bytes = readSmall(path, (int) attributes.size());
                        bytesRead += bytes.length;
                        if (sampled) {
                            requireSame(relative, bytes, old.content()); // and then kept where it is, not bundled again
                            entries.add(new TreeManifest.RegularFile(relative, mode(attributes.permissions()), old.modifiedMillis(),
                                    old.content(), owner(attributes)));
                            filesSampled++;
                        } else if (ImageExport.isZero(bytes)) { // stored nowhere
                            entries.add(new TreeManifest.RegularFile(relative, mode(attributes.permissions()),
                                    attributes.lastModifiedTime().toMillis(), new ImageManifest(bytes.length, ChunkFrame.CHUNK_BYTES,
                                    new TreeMap<>()), owner(attributes)));
                        } else {
                            PendingFile file = pending(relative, attributes);
                            file.slice = bundles.add(parentOf(relative), bytes, chunks.name(bytes));
                            entries.add(file);
                        }
                    } else {
                        PendingFile file = pending(relative, attributes);
                        bytesRead += read(path, file, uploads, sampled ? (ImageManifest) old.content() : null);
                        filesSampled += sampled ? 1 : 0;
                        entries.add(file);
                    }
                    done++;
                    progress.accept(new Stats(done, total, bytesRead, uploads.bytesUploaded(), uploads.uploaded(), uploads.reused(), taken,
                            filesSampled));
                } // sockets, fifos and devices are no part of a data directory
            }
            bundles.send();
            uploads.awaitAll();
            List<TreeManifest.Entry> finished = entries.stream()
                    .map(entry -> entry instanceof PendingFile file ? file.finish() : (TreeManifest.Entry) entry).toList();
            Stats stats = new Stats(total, total, bytesRead, uploads.bytesUploaded(), uploads.uploaded(), uploads.reused(), taken, filesSampled);
            progress.accept(stats);
            PosixFileAttributes top = Files.readAttributes(root, PosixFileAttributes.class);
            TreeManifest.Root rootAttributes = new TreeManifest.Root(mode(top.permissions()), top.lastModifiedTime().toMillis(), owner(top));
            return new Result(new TreeManifest(finished, rootAttributes), stats, Optional.empty());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export " + root + ": " + e.getMessage(), e);
        }
    }

    /** Reads the file piece by piece; with {@code expected} (a sampled unchanged file) every piece is compared with it. */
    private long read(Path path, PendingFile file, Uploads uploads, ImageManifest expected) throws IOException {
        long read = 0;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            int pieces = ImageManifest.pieces(file.size, ChunkFrame.CHUNK_BYTES);
            for (int piece = 0; piece < pieces; piece++) {
                long offset = (long) piece * ChunkFrame.CHUNK_BYTES;
                ByteBuffer buffer = ByteBuffer.wrap(uploads.newPiece((int) Math.min(ChunkFrame.CHUNK_BYTES, file.size - offset)));
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, offset + buffer.position()) < 0) {
                        throw new IOException(path + " shrank while it was read: is something writing to the snapshot?");
                    }
                }
                byte[] bytes = buffer.array();
                read += bytes.length;
                boolean zero = ImageExport.isZero(bytes);
                if (expected != null) {
                    ChunkId found = zero ? null : chunks.name(bytes);
                    ChunkId before = expected.chunks().get(piece);
                    if (found == null ? before != null : !found.equals(before)) {
                        throw new ComparisonMismatch(file.path + " piece " + piece + " differs from the previous export, though "
                                + "the file's size and modification time are the same");
                    }
                }
                if (zero) {
                    uploads.recycle(bytes);
                } else {
                    int at = piece;
                    uploads.submit(bytes, id -> file.chunks.put(at, id));
                }
            }
        }
        return read;
    }

    private static PendingFile pending(String relative, PosixFileAttributes attributes) {
        return new PendingFile(relative, mode(attributes.permissions()), attributes.lastModifiedTime().toMillis(), attributes.size(),
                owner(attributes));
    }

    /** A small file read whole. */
    private static byte[] readSmall(Path path, int size) throws IOException {
        byte[] bytes = new byte[size];
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, buffer.position()) < 0) {
                    throw new IOException(path + " shrank while it was read: is something writing to the snapshot?");
                }
            }
        }
        return bytes;
    }

    /** A sampled small file against what the previous export kept of it: its own chunk's name, or its slice's. */
    private void requireSame(String path, byte[] bytes, TreeManifest.Content before) {
        ChunkId found = ImageExport.isZero(bytes) ? null : chunks.name(bytes);
        ChunkId kept = before instanceof TreeManifest.Slice slice ? slice.name() : ((ImageManifest) before).chunks().get(0);
        if (found == null ? kept != null : !found.equals(kept)) {
            throw new ComparisonMismatch(path + " piece 0 differs from the previous export, though the file's size and "
                    + "modification time are the same");
        }
    }

    private static String parentOf(String relative) {
        return relative.substring(0, Math.max(0, relative.lastIndexOf('/')));
    }

    private static List<Path> walk(Path root) {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(path -> !path.equals(root)).sorted().toList(); // parents sort before their children
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
        }
    }

    private static String relative(Path root, Path path) {
        return root.relativize(path).toString().replace(path.getFileSystem().getSeparator(), "/");
    }

    private static TreeManifest.Owner owner(PosixFileAttributes attributes) {
        return new TreeManifest.Owner(attributes.owner().getName(), attributes.group().getName());
    }

    static int mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission permission : permissions) {
            mode |= 1 << (8 - permission.ordinal()); // OWNER_READ is 0400 ... OTHERS_EXECUTE is 0001
        }
        return mode;
    }

    /** A file whose pieces are being stored; its entry is made once they all are. */
    private static final class PendingFile {
        private final String path;
        private final int mode;
        private final long modifiedMillis;
        private final long size;
        private final TreeManifest.Owner owner;
        private final Map<Integer, ChunkId> chunks = new ConcurrentHashMap<>();
        /** A small file's place in a bundle; else its pieces above. */
        private Bundles.Place slice;

        PendingFile(String path, int mode, long modifiedMillis, long size, TreeManifest.Owner owner) {
            this.path = path;
            this.mode = mode;
            this.modifiedMillis = modifiedMillis;
            this.size = size;
            this.owner = owner;
        }

        TreeManifest.RegularFile finish() {
            TreeManifest.Content content = slice != null ? slice.finish()
                    : new ImageManifest(size, ChunkFrame.CHUNK_BYTES, new TreeMap<>(chunks));
            return new TreeManifest.RegularFile(path, mode, modifiedMillis, content, owner);
        }
    }

    /**
     * Small files gathered end to end into bundles of at most a chunk, one directory's to a bundle,
     * each bundle sent as a chunk once full, once the directory ends, or at the end of the export.
     */
    private static final class Bundles {
        private final Uploads uploads;
        private final byte[] filling = new byte[ChunkFrame.CHUNK_BYTES];
        private int used;
        private String directory;
        private Bundle bundle = new Bundle();

        Bundles(Uploads uploads) {
            this.uploads = uploads;
        }

        /** Where in which bundle the file goes. */
        Place add(String directory, byte[] file, ChunkId name) {
            if (!directory.equals(this.directory) || used + file.length > filling.length) {
                send();
                this.directory = directory;
            }
            System.arraycopy(file, 0, filling, used, file.length);
            Place place = new Place(bundle, used, file.length, name);
            used += file.length;
            return place;
        }

        /** Sends the bundle being filled, if it holds anything, and starts the next. */
        void send() {
            if (used == 0) {
                return;
            }
            Bundle sent = bundle;
            uploads.submit(Arrays.copyOf(filling, used), id -> sent.id = id);
            bundle = new Bundle();
            used = 0;
        }

        /** A bundle's name, known once it is stored. */
        private static final class Bundle {
            private volatile ChunkId id;
        }

        record Place(Bundle bundle, int offset, int length, ChunkId name) {
            TreeManifest.Slice finish() {
                return new TreeManifest.Slice(bundle.id, offset, length, name);
            }
        }
    }

    /** A sampled file that differs from its previous export though its size and time do not. */
    private static final class ComparisonMismatch extends RuntimeException {

        ComparisonMismatch(String message) {
            super(message);
        }
    }
}
