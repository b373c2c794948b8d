package dev.shelter.storage.offsite;

import dev.shelter.storage.blob.BlobInfo;
import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static dev.shelter.storage.offsite.ImagesInMemory.noise;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exporting and restoring directory trees (local-directory snapshots) on real files and a local directory store. */
class TreeExportTest {

    @TempDir
    Path work;
    private FsBlobStore store;
    private OffsiteRepository repository;
    private Path source;

    @BeforeEach
    void makeTree() throws IOException {
        store = FsBlobStore.open(new FsBlobStoreConfig(work.resolve("bucket")));
        repository = OffsiteRepository.open(store, Optional.empty());
        source = Files.createDirectories(work.resolve("pgdata"));
        Files.createDirectories(source.resolve("base/5"));
        Files.createDirectories(source.resolve("pg_wal"));
        Files.writeString(source.resolve("PG_VERSION"), "15\n");
        Files.createFile(source.resolve("postmaster.opts"));
        byte[] table = new byte[9 << 20]; // three pieces, the middle one zeros
        new Random(1).nextBytes(table);
        java.util.Arrays.fill(table, 4 << 20, 8 << 20, (byte) 0);
        Files.write(source.resolve("base/5/16384"), table);
        Files.write(source.resolve("base/5/16385"), noise(8192, 2));
        Files.createSymbolicLink(source.resolve("pg_tblspc_link"), Path.of("/srv/tblspc/16390"));
        Files.setPosixFilePermissions(source.resolve("base/5/16384"), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(source.resolve("pg_wal"), PosixFilePermissions.fromString("rwx------"));
        Files.setLastModifiedTime(source.resolve("PG_VERSION"), FileTime.fromMillis(1_700_000_000_123L));
        Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rwx------")); // as PostgreSQL wants its data directory
        // Owners come back by name: PostgreSQL starts only from a data directory its user owns (the tests run as root).
        var names = source.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(source.resolve("base/5/16385"), names.lookupPrincipalByName("nobody"));
        Files.getFileAttributeView(source.resolve("pg_wal"), java.nio.file.attribute.PosixFileAttributeView.class)
                .setGroup(names.lookupPrincipalByGroupName("nogroup"));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void aTreeComesBackWithItsBytesModesTimesAndLinks() throws IOException {
        TreeExport.Result exported = export(0).export(source, Optional.empty(), stats -> { });
        repository.copies().putTree("b1/pgdata", exported.manifest());
        TreeManifest stored = repository.copies().findTree("b1/pgdata").orElseThrow();
        Path restored = work.resolve("restored");

        new TreeRestore(repository.chunks(), 3).restore(stored, restored, stats -> { });

        assertEquals(exported.manifest(), stored);
        assertEquals(describe(source), describe(restored));
        assertEquals(4, exported.stats().chunksUploaded(), "two pieces of the table, a bundle for each directory's small files; zeros and the empty file none");
    }

    @Test
    void filesLeftOutAreNeitherReadNorStoredAndTheirDirectoriesStay() throws IOException {
        Files.write(source.resolve("pg_wal/000000010000000000000001"), noise(1 << 20, 7));

        TreeExport.Result exported = export(0).export(source, Optional.empty(), path -> path.startsWith("pg_wal/"), stats -> { });
        Path restored = work.resolve("restored");
        new TreeRestore(repository.chunks(), 2).restore(exported.manifest(), restored, stats -> { });

        assertTrue(Files.isDirectory(restored.resolve("pg_wal")));
        assertEquals(0, Files.list(restored.resolve("pg_wal")).count(), "the segment is left out");
        assertEquals(9 * (1 << 20) + 8192 + 3, exported.stats().bytesRead(), "the left-out segment is not read");
        assertTrue(Files.isRegularFile(restored.resolve("base/5/16384")));
    }

    @Test
    void anExportOnOneListingSendsEachNewChunkOnceAndLeavesStoredOnesAlone() throws IOException {
        byte[] table = Files.readAllBytes(source.resolve("base/5/16384"));
        ChunkStore.Put stored = repository.chunks().put(Arrays.copyOf(table, 4 << 20)); // the big table's first piece, there before
        Path object = chunkFile(stored.id());
        Object inode = Files.readAttributes(object, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        FileTime written = Files.getLastModifiedTime(object);
        Files.write(source.resolve("base/5/16386"), noise(3 << 20, 11)); // too large for a bundle
        Files.write(source.resolve("base/5/16387"), noise(3 << 20, 11)); // equal to the one before it

        TreeExport.Result exported = new TreeExport(repository.chunks().listingStored(), 1, UploadThrottle.UNLIMITED, SampleCheck.NONE)
                .export(source, Optional.empty(), stats -> { });

        assertEquals(4, exported.stats().chunksUploaded(), "the big table's last piece, 16386, and two bundles (PG_VERSION's, 16385's)");
        assertEquals(2, exported.stats().chunksReused(), "the big table's first piece, stored before, and 16387, equal to 16386");
        assertEquals(inode, Files.readAttributes(object, java.nio.file.attribute.BasicFileAttributes.class).fileKey());
        assertEquals(written, Files.getLastModifiedTime(object), "a listed chunk is not written again");
        Path restored = work.resolve("restored");
        new TreeRestore(repository.chunks(), 2).restore(exported.manifest(), restored, stats -> { });
        assertEquals(describe(source), describe(restored));
    }

    @Test
    void aRepositoryOverTheListingLimitIsAskedChunkByChunkAndStillSendsNothingTwice() throws IOException {
        repository.chunks().put(noise(8192, 2)); // base/5/16385's one piece
        repository.chunks().put(noise(8192, 5)); // a second chunk: over a limit of one
        ChunkStore asking = repository.chunks().listingStored(1);
        repository.chunks().put("15\n".getBytes(StandardCharsets.US_ASCII)); // PG_VERSION, by another writer, later

        TreeExport.Result exported = new TreeExport(asking, 1, UploadThrottle.UNLIMITED, SampleCheck.NONE)
                .export(source, Optional.empty(), stats -> { });

        assertEquals(2, exported.stats().chunksUploaded(), "the two pieces of the big table");
        assertEquals(2, exported.stats().chunksReused(), "16385 and PG_VERSION, found by asking: no listing would know the second");
    }

    @Test
    void anIncrementalExportReadsOnlyWhatChangedAndEqualsAFullOne() throws IOException {
        TreeManifest before = export(0).export(source, Optional.empty(), stats -> { }).manifest();
        Files.write(source.resolve("base/5/16385"), noise(8192, 3));
        Files.writeString(source.resolve("base/5/16386"), "a new table");
        Files.delete(source.resolve("postmaster.opts"));

        TreeExport.Result next = export(0).export(source, Optional.of(before), stats -> { });

        assertEquals(Optional.empty(), next.distrustedComparison());
        assertEquals(2, next.stats().filesTakenFromPrevious(), "PG_VERSION and the big table, unread");
        assertEquals(8192 + 11, next.stats().bytesRead());
        assertEquals(export(0).export(source, Optional.empty(), stats -> { }).manifest(), next.manifest());
    }

    @Test
    void aChangeThatKeepsSizeAndTimeIsCaughtByTheSample() throws IOException {
        TreeManifest before = export(0).export(source, Optional.empty(), stats -> { }).manifest();
        Path table = source.resolve("base/5/16385");
        FileTime time = Files.getLastModifiedTime(table);
        Files.write(table, noise(8192, 4)); // same size
        Files.setLastModifiedTime(table, time);

        TreeExport.Result next = export(100).export(source, Optional.of(before), stats -> { });

        assertTrue(next.distrustedComparison().orElseThrow().startsWith("base/5/16385 piece 0 differs"), next.toString());
        Path restored = work.resolve("restored");
        new TreeRestore(repository.chunks(), 2).restore(next.manifest(), restored, stats -> { });
        assertEquals(describe(source), describe(restored));
    }

    @Test
    void aChunkThatSeveralFilesHoldIsFetchedOnceAndWrittenToEach() throws IOException {
        for (String database : new String[] {"base/1", "base/4"}) { // as template0's and template1's catalogs repeat
            Files.createDirectories(source.resolve(database));
            Files.write(source.resolve(database + "/1259"), noise(16384, 13));
        }
        Files.write(source.resolve("base/5/16389"), noise(4 << 20, 17));
        Files.write(source.resolve("base/5/16389"), noise(4 << 20, 17), java.nio.file.StandardOpenOption.APPEND); // two equal pieces
        TreeManifest manifest = export(0).export(source, Optional.empty(), stats -> { }).manifest();
        AtomicInteger reads = new AtomicInteger();
        ChunkStore counting = new ChunkStore(new ReadCountingStore(store, reads), new PlainSealing());
        Path restored = work.resolve("restored");

        TreeRestore.Stats stats = new TreeRestore(counting, 3).restore(manifest, restored, progress -> { });

        assertEquals(describe(source), describe(restored));
        assertEquals(6, reads.get(), "the table's two pieces, PG_VERSION's bundle, 16385's, the two databases' equal bundle, the repeated piece");
        assertEquals(8, stats.piecesWritten(), "every piece and slice is written, its chunk fetched once");
    }

    @Test
    void aDirectorysSmallFilesShareABundleAndAChangedOneIsBundledAlone() throws IOException {
        for (int relation = 2600; relation < 2650; relation++) {
            Files.write(source.resolve("base/5/" + relation), noise(8192 * (1 + relation % 3), relation));
        }
        Files.write(source.resolve("base/5/2650"), new byte[8192]); // a visibility map of zeros: stored nowhere
        TreeExport.Result first = export(0).export(source, Optional.empty(), stats -> { });
        repository.copies().putTree("b1/pgdata", first.manifest());
        TreeManifest stored = repository.copies().findTree("b1/pgdata").orElseThrow();
        assertEquals(first.manifest(), stored, "slices are kept by the manifest as written");
        assertEquals(4, first.stats().chunksUploaded(), "the table's two pieces, PG_VERSION's bundle, and one bundle for base/5's 51 small files");

        Files.write(source.resolve("base/5/2610"), noise(8192 * (1 + 2610 % 3), 99));
        Files.setLastModifiedTime(source.resolve("base/5/2610"), FileTime.fromMillis(1_800_000_000_000L));
        TreeExport.Result next = export(0).export(source, Optional.of(stored), stats -> { });

        assertEquals(1, next.stats().chunksUploaded(), "a bundle of the one changed file");
        assertEquals(8192 * (1 + 2610 % 3), next.stats().bytesRead(), "the unchanged small files keep their slices, unread");
        AtomicInteger reads = new AtomicInteger();
        Path restored = work.resolve("restored");
        new TreeRestore(new ChunkStore(new ReadCountingStore(store, reads), new PlainSealing()), 2).restore(next.manifest(), restored, s -> { });
        assertEquals(describe(source), describe(restored));
        assertEquals(5, reads.get(), "the table's two pieces, PG_VERSION's bundle, the first bundle and the changed file's");
    }

    @Test
    void aManifestWrittenBeforeBundlesIsStillRead() throws IOException {
        ChunkId piece = repository.chunks().put("15\n".getBytes(StandardCharsets.US_ASCII)).id();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) { // SHTREE02: no content tag, pieces only
            out.writeBytes("SHTREE02");
            out.writeBoolean(false);
            out.writeInt(1);
            out.writeByte('f');
            writeString(out, "PG_VERSION");
            out.writeInt(0600);
            out.writeLong(1_700_000_000_123L);
            out.writeLong(3);
            out.writeInt(4 << 20);
            out.writeInt(1);
            out.writeInt(0);
            out.write(piece.bytes());
            writeString(out, "postgres");
            writeString(out, "postgres");
        }
        TreeManifest manifest = new TreeManifestCodec(new PlainSealing())
                .decode("b0/pgdata", AuthenticatedDocument.seal(new PlainSealing(), bytes.toByteArray()));

        assertEquals(List.of(new TreeManifest.RegularFile("PG_VERSION", 0600, 1_700_000_000_123L,
                new ImageManifest(3, 4 << 20, new TreeMap<>(Map.of(0, piece))),
                new TreeManifest.Owner("postgres", "postgres"))), manifest.entries());
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    @Test
    void aRestoreRefusesATargetInUseAChunkDamagedAndAPathThatClimbs() throws IOException {
        TreeManifest manifest = export(0).export(source, Optional.empty(), stats -> { }).manifest();
        Path used = Files.createDirectories(work.resolve("used"));
        Files.writeString(used.resolve("keep"), "mine");

        assertTrue(assertThrows(IllegalArgumentException.class, () -> new TreeRestore(repository.chunks(), 1)
                .restore(manifest, used, stats -> { })).getMessage().contains("is not empty"));
        assertEquals("mine", Files.readString(used.resolve("keep")));

        TreeManifest.RegularFile small = (TreeManifest.RegularFile) manifest.entries().stream()
                .filter(entry -> entry.path().equals("base/5/16385")).findFirst().orElseThrow();
        ChunkId damaged = small.content().chunkIds().iterator().next();
        store.delete(ChunkStore.key(damaged));
        assertEquals(damaged, assertThrows(CorruptChunkException.class, () -> new TreeRestore(repository.chunks(), 2)
                .restore(manifest, work.resolve("fresh"), stats -> { })).chunk());

        assertThrows(IllegalArgumentException.class, () -> new TreeManifest.Directory("../etc", 0755, 0));
        assertThrows(IllegalArgumentException.class, () -> new TreeManifest.SymbolicLink("/abs", "x"));
    }

    /** A store that counts the objects read from it. */
    private record ReadCountingStore(BlobStore delegate, AtomicInteger reads) implements BlobStore {
        @Override
        public void put(BlobKey key, Path source) {
            delegate.put(key, source);
        }

        @Override
        public void put(BlobKey key, byte[] content) {
            delegate.put(key, content);
        }

        @Override
        public boolean putIfAbsent(BlobKey key, byte[] content) {
            return delegate.putIfAbsent(key, content);
        }

        @Override
        public Optional<InputStream> open(BlobKey key) {
            reads.incrementAndGet();
            return delegate.open(key);
        }

        @Override
        public Optional<BlobInfo> stat(BlobKey key) {
            return delegate.stat(key);
        }

        @Override
        public List<BlobInfo> list(String prefix) {
            return delegate.list(prefix);
        }

        @Override
        public void delete(BlobKey key) {
            delegate.delete(key);
        }

        @Override
        public void probe() {
            delegate.probe();
        }

        @Override
        public String describe() {
            return delegate.describe();
        }

        @Override
        public void close() {
        }
    }

    private TreeExport export(double samplePercent) {
        return new TreeExport(repository.chunks(), 3, UploadThrottle.UNLIMITED, new SampleCheck(samplePercent, new SplittableRandom(9)));
    }

    private Path chunkFile(ChunkId id) throws IOException {
        try (Stream<Path> all = Files.walk(work.resolve("bucket"))) {
            return all.filter(path -> path.getFileName().toString().equals(id.hex())).findFirst().orElseThrow();
        }
    }

    /** Every path under the root and the root itself with its type, owner, mode, time (not for links) and content or link target. */
    private static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> described = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path path : all.toList()) {
                String key = path.equals(root) ? "." : root.relativize(path).toString();
                var attributes = Files.readAttributes(path, java.nio.file.attribute.PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String owner = attributes.owner().getName() + ":" + attributes.group().getName() + " ";
                if (Files.isSymbolicLink(path)) {
                    described.put(key, "link " + owner + Files.readSymbolicLink(path));
                    continue;
                }
                String what = owner + PosixFilePermissions.toString(attributes.permissions()) + " "
                        + Files.getLastModifiedTime(path).toMillis();
                described.put(key, Files.isDirectory(path) ? "dir " + what
                        : "file " + what + " " + java.util.HexFormat.of().formatHex(sha256(Files.readAllBytes(path))));
            }
        }
        return described;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
