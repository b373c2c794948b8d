package dev.shelter.runbooks.local;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.restore.RestoreRefusedException;
import dev.shelter.runbooks.restore.VolumeSwap;
import dev.shelter.storage.snapshot.VolumeSnapshotter;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;

/**
 * Clone and swap in local mode: a data directory (or any volume directory of the set) is swapped
 * by two renames within its parent, so the clone sits next to it, on the same filesystem, where a
 * reflink copy is possible. {@code <dir>.clone-<tag>} is the clone before it is swapped in,
 * {@code <dir>.original-<tag>} the original while it is set aside. Each rename is atomic and the
 * parent is flushed after it, so a crash leaves one of three observable states, and both
 * directions finish from any of them. The originals kept after a restore are listed in Shelter's
 * state directory of the cluster, never in a volume of the set.
 */
public final class LocalVolumeSwap implements VolumeSwap {

    static final String KEPT_FILE = "kept-originals.properties";

    private final String cluster;
    private final Path stateDirectory;
    private final VolumeSnapshotter snapshotter;

    /** {@code snapshotter} made the clones, and removes them and the originals (directories without snapshots). */
    public LocalVolumeSwap(String cluster, Path stateDirectory, VolumeSnapshotter snapshotter) {
        this.cluster = cluster;
        this.stateDirectory = stateDirectory.toAbsolutePath().normalize();
        this.snapshotter = snapshotter;
    }

    @Override
    public List<Swap> swapsFor(BackupManifest backup, String tag) {
        List<Swap> swaps = new ArrayList<>();
        for (VolumeSnapshot snapshot : backup.snapshots()) {
            Path mount = Path.of(snapshot.ref().volume()).toAbsolutePath().normalize();
            swaps.add(new Swap(snapshot, mount.toString(), sibling(mount, ".clone-" + tag).toString(),
                    sibling(mount, ".original-" + tag).toString()));
        }
        return swaps;
    }

    @Override
    public void requireSwappable(BackupManifest backup) {
        for (VolumeSnapshot snapshot : backup.snapshots()) {
            Path mount = Path.of(snapshot.ref().volume()).toAbsolutePath().normalize();
            if (mount.getParent() == null || !Files.isWritable(mount.getParent())) {
                throw new RestoreRefusedException("the " + snapshot.role() + " directory " + mount + " cannot be swapped: its parent "
                        + "directory is missing or not writable, and the clone is made next to it");
            }
        }
    }

    @Override
    public boolean cloneExists(Swap swap) {
        return Files.isDirectory(Path.of(swap.cloneVolume()), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public void discardClone(Swap swap) {
        if (isSwappedIn(swap)) {
            throw new IllegalStateException("the clone " + swap.cloneVolume() + " is swapped in as " + swap.mount() + "; swap the original back first");
        }
        snapshotter.removeVolume(swap.cloneVolume());
        snapshotter.removeVolume(swap.cloneVolume() + ".partial"); // a copy a crash cut short
    }

    /**
     * From "original in place, clone beside it": original aside, then clone in place. A crash between
     * the two renames leaves the mount missing, original aside and clone beside: the second rename finishes it.
     */
    @Override
    public void swapIn(Swap swap) {
        Path mount = Path.of(swap.mount());
        Path clone = Path.of(swap.cloneVolume());
        Path original = Path.of(swap.original());
        if (isSwappedIn(swap)) {
            return;
        }
        if (!exists(clone)) {
            throw new IllegalStateException("cannot swap " + mount + ": its clone " + clone + " does not exist");
        }
        if (exists(mount)) {
            if (exists(original)) {
                throw new IllegalStateException("cannot swap " + mount + ": " + original + " exists already");
            }
            rename(mount, original);
        } else if (!exists(original)) {
            // The volume is gone (a restore from the object store after a loss): an empty original stands
            // for it, so the swap is observable as every other, and swapping back leaves the mount as found.
            createEmpty(original);
        }
        rename(clone, mount);
    }

    @Override
    public boolean isSwappedIn(Swap swap) {
        return exists(Path.of(swap.mount())) && exists(Path.of(swap.original())) && !exists(Path.of(swap.cloneVolume()));
    }

    /** The reverse: the clone in place goes back to its clone name, then the original back in place. */
    @Override
    public void swapBack(Swap swap) {
        Path mount = Path.of(swap.mount());
        Path clone = Path.of(swap.cloneVolume());
        Path original = Path.of(swap.original());
        if (!exists(original)) {
            if (!exists(mount)) {
                throw new IllegalStateException("cannot swap " + mount + " back: neither it nor its original " + original + " exists");
            }
            return; // the original is in place
        }
        if (exists(mount)) {
            if (exists(clone)) {
                throw new IllegalStateException("cannot swap " + mount + " back: " + clone + " exists already");
            }
            rename(mount, clone);
        }
        rename(original, mount);
    }

    @Override
    public synchronized void keepOriginal(Swap swap, String tag, Instant until) {
        Properties kept = readKept();
        kept.setProperty(swap.original(), tag + " " + until + " " + swap.mount());
        writeKept(kept);
    }

    @Override
    public synchronized List<KeptOriginal> keptOriginals() {
        Properties kept = readKept();
        List<KeptOriginal> originals = new ArrayList<>();
        for (String original : kept.stringPropertyNames()) {
            String[] value = kept.getProperty(original).split(" ", 3);
            originals.add(new KeptOriginal(original, value[2], value[0], Instant.parse(value[1])));
        }
        originals.sort(Comparator.comparing(KeptOriginal::until).thenComparing(KeptOriginal::original));
        return originals;
    }

    /** The tree first, then its entry: a crash in between leaves an entry whose removal finds nothing. */
    @Override
    public synchronized void removeOriginal(KeptOriginal kept) {
        Path original = Path.of(kept.original());
        if (original.equals(Path.of(kept.mount()))) {
            throw new IllegalStateException("refusing to remove " + original + ": it is the volume in use");
        }
        snapshotter.removeVolume(original.toString());
        Properties all = readKept();
        all.remove(kept.original());
        writeKept(all);
    }

    @Override
    public String describe() {
        return "directories of local cluster " + cluster + ", swapped by rename";
    }

    private static Path sibling(Path mount, String suffix) {
        if (mount.getParent() == null) {
            throw new IllegalArgumentException("the volume " + mount + " has no parent directory to keep a clone in");
        }
        return mount.resolveSibling(mount.getFileName() + suffix);
    }

    private static void createEmpty(Path directory) {
        try {
            Files.createDirectory(directory);
            try (FileChannel parent = FileChannel.open(directory.getParent(), StandardOpenOption.READ)) {
                parent.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory + ": " + e.getMessage(), e);
        }
    }

    private static boolean exists(Path path) {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }

    private static void rename(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel parent = FileChannel.open(to.getParent(), StandardOpenOption.READ)) {
                parent.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    private Properties readKept() {
        Properties kept = new Properties();
        Path file = stateDirectory.resolve(KEPT_FILE);
        if (Files.exists(file)) {
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                kept.load(reader);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        return kept;
    }

    /** Through a temporary file and a rename: a crash leaves the old list or the new one. */
    private void writeKept(Properties kept) {
        try {
            Files.createDirectories(stateDirectory);
            Path temporary = stateDirectory.resolve(KEPT_FILE + ".tmp");
            try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                kept.store(writer, "originals kept after clone-and-swap restores of local cluster " + cluster
                        + ": original = tag until mount");
            }
            Files.move(temporary, stateDirectory.resolve(KEPT_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the kept originals of local cluster " + cluster + ": " + e.getMessage(), e);
        }
    }
}
