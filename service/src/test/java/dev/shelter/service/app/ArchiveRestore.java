package dev.shelter.service.app;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.catalog.BlobManifestStore;
import dev.shelter.runbooks.catalog.ManifestCodec;
import dev.shelter.runbooks.restore.RecoveryFiles;
import dev.shelter.runbooks.wal.TimelineHistory;
import dev.shelter.storage.blob.s3.S3BlobStore;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.storage.snapshot.local.LocalDirSnapshotter;
import dev.shelter.storage.snapshot.local.LocalDirSnapshotterConfig;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.S3Server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A test-level point-in-time restore: roll a stopped cluster's PGDATA back to a local-directory
 * snapshot, write and check the recovery files from the manifest in the bucket, and let PostgreSQL
 * replay everything Shelter's archive holds through Shelter's restore_command.
 */
final class ArchiveRestore {

    private static final Pattern REDO_DONE = Pattern.compile("redo done at ([0-9A-F]+/[0-9A-F]+)");

    private ArchiveRestore() {
    }

    /** Shelter's restore_command: 404 ends recovery (exit 1); anything else stops it (exit 255). */
    static String restoreCommand(int port, String cluster, Path tokenFile) {
        return dev.shelter.runbooks.restore.RestoreCommand.curl("http://127.0.0.1:" + port, new ClusterName(cluster), tokenFile.toString());
    }

    static BackupManifest manifestFromBucket(S3Server s3, String bucket, String cluster, String id) {
        try (S3BlobStore store = S3BlobStore.open(s3.storeConfig(bucket, ""))) {
            return new BlobManifestStore(store, new ManifestCodec()).get(new ClusterName(cluster), new BackupId(id))
                    .orElseThrow(() -> new AssertionError("no manifest of " + id + " in " + bucket));
        }
    }

    /**
     * Restores the stopped {@code primary} from {@code snapshot} (under {@code snapshotRoot}) to the
     * end of the archive, waits until it is promoted, and returns where its redo ended.
     */
    static Lsn restoreToEndOfArchive(PostgresInstance primary, Path snapshotRoot, String snapshot, BackupManifest manifest,
                                     String restoreCommand) throws IOException, SQLException {
        return restoreToEndOfArchive(primary, snapshotRoot, snapshot, manifest, restoreCommand, null);
    }

    /** As above, following the archive's timelines to {@code along}'s (null: the backup's own). */
    static Lsn restoreToEndOfArchive(PostgresInstance primary, Path snapshotRoot, String snapshot, BackupManifest manifest,
                                     String restoreCommand, TimelineHistory along) throws IOException, SQLException {
        try (LocalDirSnapshotter snapshots = LocalDirSnapshotter.open(new LocalDirSnapshotterConfig(snapshotRoot))) {
            snapshots.rollbackVolume(new SnapshotRef(primary.dataDirectory().toString(), snapshot));
        }
        RecoveryFiles.write(primary.dataDirectory(), manifest, restoreCommand, RecoveryFiles.Target.END_OF_ARCHIVE, along);
        RecoveryFiles.verify(primary.dataDirectory(), manifest);
        primary.start();
        // Replaying a busy minute of WAL fetched one segment at a time takes its time on two busy cores.
        primary.awaitTrue("SELECT NOT pg_is_in_recovery()", java.time.Duration.ofSeconds(180));
        Matcher redo = REDO_DONE.matcher(Files.readString(primary.logFile()));
        assertTrue(redo.find(), primary.logTail());
        return Lsn.parse(redo.group(1));
    }

    /** Segment names (one timeline) that follow each other without a gap. */
    static void assertConsecutive(List<String> segments) {
        for (int i = 1; i < segments.size(); i++) {
            assertEquals(Long.parseLong(segments.get(i - 1).substring(8), 16) + 1, Long.parseLong(segments.get(i).substring(8), 16),
                    "no gap between " + segments.get(i - 1) + " and " + segments.get(i));
        }
    }

    /** How long PostgreSQL's own archiver may take to copy a segment it completed, on two busy cores. */
    static final java.time.Duration ARCHIVER_TIMEOUT = java.time.Duration.ofSeconds(120);

    /** Reads one archived file as Shelter serves or stores it. */
    @FunctionalInterface
    interface StreamedFile {
        byte[] read(String name) throws Exception;
    }

    /**
     * Every one of {@code files} as Shelter has it is byte for byte the copy PostgreSQL's own
     * archiver made in {@code archiveDirectory}. Waits for the archiver to copy each (it runs on
     * its own time); one it never copies fails, and so does an empty list: nothing is skipped.
     */
    static void assertEachArchivedByPostgresAlike(List<String> files, Path archiveDirectory, StreamedFile streamed) throws Exception {
        assertEachArchivedByPostgresAlike(files, archiveDirectory, streamed, Integer.MAX_VALUE);
    }

    /** As above, comparing the first {@code bytes} of each (a .partial segment: up to the switch point). */
    static void assertEachArchivedByPostgresAlike(List<String> files, Path archiveDirectory, StreamedFile streamed, int bytes)
            throws Exception {
        assertTrue(!files.isEmpty(), "no file to compare with " + archiveDirectory);
        dev.shelter.testing.Poll.until("PostgreSQL's archiver copies " + files + " into " + archiveDirectory, ARCHIVER_TIMEOUT,
                () -> files.stream().filter(f -> !Files.exists(archiveDirectory.resolve(f))).toList(), List::isEmpty);
        for (String file : files) {
            byte[] own = Files.readAllBytes(archiveDirectory.resolve(file));
            byte[] shelters = streamed.read(file);
            if (bytes < own.length) {
                own = java.util.Arrays.copyOf(own, bytes);
                shelters = java.util.Arrays.copyOf(shelters, Math.min(bytes, shelters.length));
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(own, shelters, file + " as Shelter archived it = as PostgreSQL archived it"
                    + (bytes < Integer.MAX_VALUE ? ", up to byte " + bytes : ""));
        }
    }
}
