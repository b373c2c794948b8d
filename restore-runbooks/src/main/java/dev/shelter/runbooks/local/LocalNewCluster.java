package dev.shelter.runbooks.local;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.restore.NewClusterPlacement;
import dev.shelter.runbooks.restore.NewClusterSettings;
import dev.shelter.runbooks.restore.RestoreRefusedException;
import dev.shelter.storage.snapshot.VolumeSnapshotter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * A restore into a new cluster in local mode: the backup's data directory cloned into a new
 * directory (a reflink copy where the filesystem can, else a copy), started on its own port next
 * to the source. A backup set of one volume only: a separate pg_wal or a tablespace would be a
 * symlink into the source's directories, and the copy would write into them.
 */
public final class LocalNewCluster implements NewClusterPlacement {

    private static final String PARTIAL = ".partial";

    private final String source;
    private final VolumeSnapshotter snapshotter;
    private final Path dataDirectory;
    private final String host;
    private final int port;

    /** {@code snapshotter} holds the source's snapshots and makes the clone. */
    public LocalNewCluster(String source, VolumeSnapshotter snapshotter, Path dataDirectory, String host, int port) {
        this.source = source;
        this.snapshotter = snapshotter;
        this.dataDirectory = dataDirectory.toAbsolutePath().normalize();
        this.host = host;
        this.port = port;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    @Override
    public void requirePlaceable(BackupManifest backup) {
        if (backup.snapshots().size() != 1 || backup.snapshots().get(0).role() != VolumeRole.PGDATA) {
            throw new RestoreRefusedException("backup " + backup.id() + " is a set of " + backup.snapshots().size() + " volumes; a new "
                    + "local cluster is made of a data directory alone (a separate pg_wal would stay the source's)");
        }
        if (backup.window() != null && !backup.window().tablespaceMap().isBlank()) {
            throw new RestoreRefusedException("backup " + backup.id() + " has tablespaces; a new local cluster would share their "
                    + "directories with the source");
        }
        Path volume = Path.of(backup.snapshots().get(0).ref().volume()).toAbsolutePath().normalize();
        if (dataDirectory.startsWith(volume) || volume.startsWith(dataDirectory)) {
            throw new RestoreRefusedException("the new data directory " + dataDirectory + " overlaps the source's " + volume);
        }
        if (Files.exists(dataDirectory, LinkOption.NOFOLLOW_LINKS)) {
            throw new RestoreRefusedException("the new data directory " + dataDirectory + " exists already; name one that does not");
        }
        Path parent = dataDirectory.getParent();
        if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
            throw new RestoreRefusedException("the new data directory's parent " + parent + " is missing or not writable");
        }
    }

    @Override
    public boolean isCloned() {
        return Files.isDirectory(dataDirectory, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public void cloneFrom(BackupManifest backup) {
        VolumeSnapshot pgdata = backup.snapshots().get(0);
        if (!isCloned()) {
            snapshotter.cloneSnapshot(pgdata.ref(), dataDirectory.toString());
        }
        if (Files.isSymbolicLink(dataDirectory.resolve("pg_wal"))) {
            throw new IllegalStateException("the clone's pg_wal is a symlink into another directory; the new cluster would write "
                    + "its WAL there");
        }
        try (Stream<Path> tablespaces = Files.list(dataDirectory.resolve("pg_tblspc"))) {
            if (tablespaces.findAny().isPresent()) {
                throw new IllegalStateException("the clone has tablespaces; the new cluster would share their directories");
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // no tablespace directory at all: nothing shared
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void detachFrom(BackupManifest backup) {
        snapshotter.detachClone(dataDirectory.toString());
    }

    @Override
    public boolean isConfigured() {
        return NewClusterSettings.isWritten(dataDirectory);
    }

    @Override
    public void configure(String clusterName, String archiveCommand) {
        NewClusterSettings.write(dataDirectory, source, clusterName, OptionalInt.of(port), archiveCommand);
    }

    @Override
    public boolean exists() {
        return Files.exists(dataDirectory, LinkOption.NOFOLLOW_LINKS) || Files.exists(partial(), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public void remove() {
        snapshotter.removeVolume(partial().toString());
        snapshotter.removeVolume(dataDirectory.toString());
    }

    @Override
    public Map<String, String> reach() {
        Map<String, String> reach = new LinkedHashMap<>();
        reach.put("host", host);
        reach.put("port", Integer.toString(port));
        reach.put("jdbcUrl", "jdbc:postgresql://" + host + ":" + port + "/postgres");
        reach.put("dataDirectory", dataDirectory.toString());
        return reach;
    }

    @Override
    public String describe() {
        return dataDirectory + " on port " + port;
    }

    private Path partial() {
        return dataDirectory.resolveSibling(dataDirectory.getFileName() + PARTIAL);
    }
}
