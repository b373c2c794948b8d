package dev.shelter.storage.snapshot.local;

import dev.shelter.storage.snapshot.SnapshotException;
import dev.shelter.storage.snapshot.SnapshotException.Reason;
import dev.shelter.storage.snapshot.SnapshotFeature;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.storage.snapshot.VolumeSnapshotter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Snapshots of local directories (local mode): a snapshot is a full copy of the volume directory,
 * taken while PostgreSQL is in backup mode, which is valid because backup_label is kept.
 * Layout: {@code <root>/<volume key>/<snapshot>/}, written as {@code <snapshot>.partial} and renamed
 * when complete, so a crash never leaves something that looks like a snapshot.
 * A {@code <snapshot>.protected} marker file protects it.
 */
public final class LocalDirSnapshotter implements VolumeSnapshotter {

    private static final Logger LOG = LoggerFactory.getLogger(LocalDirSnapshotter.class);
    private static final String PARTIAL = ".partial";
    private static final String PROTECTED = ".protected";

    private final Path root;

    private LocalDirSnapshotter(Path root) {
        this.root = root;
    }

    public static LocalDirSnapshotter open(LocalDirSnapshotterConfig config) {
        try {
            Files.createDirectories(config.snapshotRoot());
        } catch (IOException e) {
            throw new SnapshotException(Reason.FAILED, "cannot create snapshot root " + config.snapshotRoot(), e);
        }
        return new LocalDirSnapshotter(config.snapshotRoot());
    }

    @Override
    public Set<SnapshotFeature> features() {
        return Set.of(SnapshotFeature.FILE_TREE);
    }

    @Override
    public SnapshotRef createSnapshot(String volume, String snapshot) {
        SnapshotRef ref = new SnapshotRef(volume, snapshot);
        Path source = requireVolume(volume);
        Path done = snapshotPath(ref);
        if (Files.exists(done, LinkOption.NOFOLLOW_LINKS)) {
            throw new SnapshotException(Reason.ALREADY_EXISTS, "snapshot " + ref + " exists already");
        }
        copyAtomically(source, done, "snapshot " + ref);
        return ref;
    }

    @Override
    public List<SnapshotRef> listSnapshots(String volume) {
        requireVolume(volume);
        Path dir = volumeDirectory(volume);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<SnapshotRef> refs = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) && !name.endsWith(PARTIAL)) {
                    refs.add(new SnapshotRef(volume, name));
                }
            }
        } catch (IOException e) {
            throw new SnapshotException(Reason.FAILED, "cannot list snapshots of " + volume, e);
        }
        refs.sort((a, b) -> a.snapshot().compareTo(b.snapshot()));
        return refs;
    }

    @Override
    public void deleteSnapshot(SnapshotRef ref) {
        requireVolume(ref.volume()); // a missing volume is NOT_FOUND; only a missing snapshot is done
        if (isProtected(ref)) {
            throw new SnapshotException(Reason.PROTECTED, "snapshot " + ref + " is protected");
        }
        try {
            TreeCopier.deleteTree(snapshotPath(ref));
            TreeCopier.deleteTree(partialPath(ref));
        } catch (IOException e) {
            throw new SnapshotException(Reason.FAILED, "cannot delete snapshot " + ref, e);
        }
    }

    @Override
    public void protectSnapshot(SnapshotRef ref) {
        requireSnapshot(ref);
        try {
            if (!Files.exists(protectionMarker(ref))) {
                Files.write(protectionMarker(ref), ref.toString().getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new SnapshotException(Reason.FAILED, "cannot protect " + ref, e);
        }
    }

    @Override
    public void unprotectSnapshot(SnapshotRef ref) {
        try {
            Files.deleteIfExists(protectionMarker(ref));
        } catch (IOException e) {
            throw new SnapshotException(Reason.FAILED, "cannot unprotect " + ref, e);
        }
    }

    @Override
    public boolean isProtected(SnapshotRef ref) {
        return Files.exists(protectionMarker(ref));
    }

    /** Empties the volume directory (keeping the directory, its owner and mode) and copies the snapshot in. */
    @Override
    public void rollbackVolume(SnapshotRef ref) {
        Path snapshot = requireSnapshot(ref);
        Path volume = requireVolume(ref.volume());
        try (Stream<Path> children = Files.list(volume)) {
            for (Path child : children.toList()) {
                TreeCopier.deleteTree(child);
            }
            TreeCopier.copyContent(snapshot, volume);
        } catch (IOException e) {
            throw new SnapshotException(Reason.FAILED, "cannot roll " + ref.volume() + " back to " + ref
                    + " (the volume is incomplete; roll back again): " + e.getMessage(), e);
        }
    }

    @Override
    public void cloneSnapshot(SnapshotRef ref, String targetVolume) {
        Path snapshot = requireSnapshot(ref);
        Path target = Path.of(targetVolume).toAbsolutePath().normalize();
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new SnapshotException(Reason.ALREADY_EXISTS, "clone target " + target + " exists already");
        }
        protectSnapshot(ref); // as on RBD: a clone depends on its snapshot
        copyAtomically(snapshot, target, "clone " + ref + " into " + target);
    }

    /** A local clone is a copy (or a reflink copy): nothing ties it to its snapshot. */
    @Override
    public void detachClone(String volume) {
        requireVolume(volume);
    }

    @Override
    public void removeVolume(String volume) {
        Path path = Path.of(volume).toAbsolutePath().normalize();
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<SnapshotRef> snapshots = listSnapshots(volume);
        if (!snapshots.isEmpty()) {
            throw new SnapshotException(Reason.PROTECTED, "volume " + path + " still has snapshots " + snapshots
                    + "; it is removed only without them");
        }
        try {
            TreeCopier.deleteTree(path);
        } catch (IOException e) {
            throw new SnapshotException(Reason.FAILED, "cannot remove volume " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Path fileTree(SnapshotRef ref) {
        return requireSnapshot(ref);
    }

    @Override
    public String describe() {
        return "local directory snapshots in " + root;
    }

    @Override
    public void close() {
        // nothing held open
    }

    /**
     * Copies the tree at {@code source} to the new {@code target} by way of {@code <target>.partial},
     * renamed only once complete, so a crash never leaves something that looks finished.
     */
    private static void copyAtomically(Path source, Path target, String action) {
        Path partial = target.resolveSibling(target.getFileName() + PARTIAL);
        try {
            TreeCopier.deleteTree(partial); // left by a crash
            Files.createDirectories(partial.getParent());
            Files.copy(source, partial, StandardCopyOption.COPY_ATTRIBUTES); // the directory alone: owner, mode
            TreeCopier.CopyReport report = TreeCopier.copyContent(source, partial);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("{}: {} files ({} cloned by reflink), {} bytes", action, report.files(), report.clonedFiles(), report.bytes());
            TreeCopier.syncDirectory(target.getParent());
        } catch (IOException e) {
            deleteQuietly(partial);
            throw new SnapshotException(Reason.FAILED, "cannot " + action + ": " + e.getMessage(), e);
        }
    }

    private Path requireVolume(String volume) {
        Path path = Path.of(volume).toAbsolutePath().normalize();
        if (!Files.isDirectory(path)) {
            throw new SnapshotException(Reason.NOT_FOUND, "volume directory " + path + " does not exist");
        }
        if (path.startsWith(root) || root.startsWith(path)) {
            throw new SnapshotException(Reason.FAILED, "volume " + path + " and snapshot root " + root + " must not contain each other");
        }
        return path;
    }

    private Path requireSnapshot(SnapshotRef ref) {
        Path path = snapshotPath(ref);
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new SnapshotException(Reason.NOT_FOUND, "snapshot " + ref + " does not exist");
        }
        return path;
    }

    /** A readable, collision-free directory name for a volume path. */
    private Path volumeDirectory(String volume) {
        String absolute = Path.of(volume).toAbsolutePath().normalize().toString();
        String readable = absolute.replaceAll("[^A-Za-z0-9._-]+", "_").replaceAll("^_+", "");
        if (readable.length() > 80) {
            readable = readable.substring(readable.length() - 80);
        }
        return root.resolve(readable + "-" + shortHash(absolute));
    }

    private Path snapshotPath(SnapshotRef ref) {
        return volumeDirectory(ref.volume()).resolve(ref.snapshot());
    }

    private Path partialPath(SnapshotRef ref) {
        return volumeDirectory(ref.volume()).resolve(ref.snapshot() + PARTIAL);
    }

    private Path protectionMarker(SnapshotRef ref) {
        return volumeDirectory(ref.volume()).resolve(ref.snapshot() + PROTECTED);
    }

    private static String shortHash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    private static void deleteQuietly(Path tree) {
        try {
            TreeCopier.deleteTree(tree);
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: the .partial name keeps it from being taken for a snapshot
        }
    }
}
