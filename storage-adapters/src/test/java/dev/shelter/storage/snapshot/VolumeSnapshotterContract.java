package dev.shelter.storage.snapshot;

import dev.shelter.storage.snapshot.SnapshotException.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link VolumeSnapshotter} must do, run against each adapter (the RBD one on a real
 * Ceph). Subclasses say how a volume is made, written and read by means outside the port, and
 * read snapshots through the port's own declared read feature.
 */
public abstract class VolumeSnapshotterContract {

    private final List<String> volumes = new ArrayList<>();
    private final Random random = new Random(42);

    protected abstract VolumeSnapshotter snapshotter();

    /** Makes a new volume holding {@code content}. */
    protected abstract String makeVolume(String name, byte[] content);

    protected abstract void overwriteVolume(String volume, byte[] content);

    protected abstract byte[] readVolume(String volume, int length);

    /** Reads the snapshot through the port ({@link VolumeSnapshotter#openBlocks} or {@link VolumeSnapshotter#fileTree}). */
    protected abstract byte[] readSnapshot(SnapshotRef ref, int length);

    /** Removes a volume and whatever snapshots are left on it. */
    protected abstract void removeVolume(String volume);

    /** A name for a volume that does not exist. */
    protected abstract String missingVolume();

    @AfterEach
    void removeVolumes() {
        for (int i = volumes.size() - 1; i >= 0; i--) {
            removeVolume(volumes.get(i));
        }
        volumes.clear();
    }

    protected final String newVolume(byte[] content) {
        String volume = makeVolume("contract-" + UUID.randomUUID().toString().substring(0, 8), content);
        volumes.add(volume);
        return volume;
    }

    protected final byte[] someBytes() {
        byte[] bytes = new byte[64 * 1024];
        random.nextBytes(bytes);
        return bytes;
    }

    @Test
    void aSnapshotKeepsItsContentWhileTheVolumeChanges() {
        byte[] before = someBytes();
        byte[] after = someBytes();
        String volume = newVolume(before);

        SnapshotRef ref = snapshotter().createSnapshot(volume, "s1");
        overwriteVolume(volume, after);

        assertEquals(new SnapshotRef(volume, "s1"), ref);
        assertArrayEquals(before, readSnapshot(ref, before.length));
        assertArrayEquals(after, readVolume(volume, after.length));
    }

    @Test
    void snapshotsAreListedByName() {
        String volume = newVolume(someBytes());
        assertEquals(List.of(), snapshotter().listSnapshots(volume));

        snapshotter().createSnapshot(volume, "b-second");
        snapshotter().createSnapshot(volume, "a-first");

        assertEquals(List.of(new SnapshotRef(volume, "a-first"), new SnapshotRef(volume, "b-second")),
                snapshotter().listSnapshots(volume));
        assertTrue(snapshotter().exists(new SnapshotRef(volume, "a-first")));
        assertFalse(snapshotter().exists(new SnapshotRef(volume, "c-never")));
    }

    @Test
    void aSnapshotNameIsTakenOnlyOnce() {
        String volume = newVolume(someBytes());
        snapshotter().createSnapshot(volume, "once");

        assertReason(Reason.ALREADY_EXISTS, () -> snapshotter().createSnapshot(volume, "once"));
    }

    @Test
    void deletingIsIdempotent() {
        String volume = newVolume(someBytes());
        SnapshotRef ref = snapshotter().createSnapshot(volume, "gone");

        snapshotter().deleteSnapshot(ref);
        snapshotter().deleteSnapshot(ref);

        assertFalse(snapshotter().exists(ref));
        assertEquals(List.of(), snapshotter().listSnapshots(volume));
    }

    /**
     * A snapshot of a volume that does not exist cannot be "already deleted": the caller named the
     * wrong volume (a claim template instead of the image it resolves to, say) and must hear so,
     * or it reports snapshots deleted that are still there.
     */
    @Test
    void deletingASnapshotOfAMissingVolumeIsNotFoundNamingTheVolumeButAMissingSnapshotIsFine() {
        String volume = newVolume(someBytes());
        String missing = missingVolume();

        SnapshotException e = assertThrows(SnapshotException.class, () -> snapshotter().deleteSnapshot(new SnapshotRef(missing, "s")));
        assertEquals(Reason.NOT_FOUND, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(missing), "the error names the volume " + missing + ": " + e.getMessage());

        snapshotter().deleteSnapshot(new SnapshotRef(volume, "never"));
        snapshotter().deleteSnapshot(new SnapshotRef(volume, "never"));
        assertEquals(List.of(), snapshotter().listSnapshots(volume));
    }

    @Test
    void aProtectedSnapshotCannotBeDeleted() {
        String volume = newVolume(someBytes());
        SnapshotRef ref = snapshotter().createSnapshot(volume, "kept");

        snapshotter().protectSnapshot(ref);
        snapshotter().protectSnapshot(ref);
        assertTrue(snapshotter().isProtected(ref));
        assertReason(Reason.PROTECTED, () -> snapshotter().deleteSnapshot(ref));
        assertTrue(snapshotter().exists(ref));

        snapshotter().unprotectSnapshot(ref);
        snapshotter().unprotectSnapshot(ref);
        assertFalse(snapshotter().isProtected(ref));
        snapshotter().deleteSnapshot(ref);
        assertFalse(snapshotter().exists(ref));
    }

    @Test
    void rollbackGivesTheVolumeTheSnapshotsContent() {
        byte[] before = someBytes();
        String volume = newVolume(before);
        SnapshotRef ref = snapshotter().createSnapshot(volume, "r1");
        overwriteVolume(volume, someBytes());

        snapshotter().rollbackVolume(ref);

        assertArrayEquals(before, readVolume(volume, before.length));
        assertTrue(snapshotter().exists(ref), "the snapshot outlives the rollback");
    }

    @Test
    void aCloneIsANewVolumeWithTheSnapshotsContent() {
        byte[] before = someBytes();
        String volume = newVolume(before);
        SnapshotRef ref = snapshotter().createSnapshot(volume, "c1");
        overwriteVolume(volume, someBytes());
        String clone = cloneName(volume);

        snapshotter().cloneSnapshot(ref, clone);
        volumes.add(clone);
        byte[] changed = someBytes();
        overwriteVolume(clone, changed);

        assertArrayEquals(changed, readVolume(clone, changed.length));
        assertArrayEquals(before, readSnapshot(ref, before.length), "writing the clone leaves the snapshot alone");
        assertTrue(snapshotter().isProtected(ref), "a clone depends on its snapshot");
        assertReason(Reason.ALREADY_EXISTS, () -> snapshotter().cloneSnapshot(ref, clone));
    }

    @Test
    void aDetachedCloneOutlivesItsSnapshotAndGoesOnlyWithoutSnapshotsOfItsOwn() {
        byte[] before = someBytes();
        String volume = newVolume(before);
        SnapshotRef ref = snapshotter().createSnapshot(volume, "d1");
        String clone = cloneName(volume);
        snapshotter().cloneSnapshot(ref, clone);
        volumes.add(clone);

        snapshotter().detachClone(clone);
        snapshotter().detachClone(clone); // idempotent
        snapshotter().unprotectSnapshot(ref);
        snapshotter().deleteSnapshot(ref);
        assertArrayEquals(before, readVolume(clone, before.length), "the clone keeps its content without its snapshot");

        SnapshotRef own = snapshotter().createSnapshot(clone, "d2");
        assertReason(Reason.PROTECTED, () -> snapshotter().removeVolume(clone));
        snapshotter().deleteSnapshot(own);
        snapshotter().removeVolume(clone);
        assertReason(Reason.NOT_FOUND, () -> snapshotter().listSnapshots(clone));
        snapshotter().removeVolume(clone); // a missing volume is fine
    }

    @Test
    void aMissingVolumeOrSnapshotIsNotFound() {
        String volume = newVolume(someBytes());

        assertReason(Reason.NOT_FOUND, () -> snapshotter().listSnapshots(missingVolume()));
        assertReason(Reason.NOT_FOUND, () -> snapshotter().createSnapshot(missingVolume(), "s"));
        assertReason(Reason.NOT_FOUND, () -> snapshotter().rollbackVolume(new SnapshotRef(volume, "never")));
        snapshotter().deleteSnapshot(new SnapshotRef(volume, "never"));
    }

    @Test
    void undeclaredFeaturesAreRefusedNotFaked() {
        String volume = newVolume(someBytes());
        SnapshotRef ref = snapshotter().createSnapshot(volume, "f1");
        EnumSet<SnapshotFeature> missing = EnumSet.allOf(SnapshotFeature.class);
        missing.removeAll(snapshotter().features());

        assertFalse(snapshotter().features().isEmpty(), "an adapter must let snapshots be read one way");
        for (SnapshotFeature feature : missing) {
            Executable call = switch (feature) {
                case BLOCK_READ -> () -> snapshotter().openBlocks(ref).close();
                case FILE_TREE -> () -> snapshotter().fileTree(ref);
                case BLOCK_DIFF -> () -> snapshotter().changedExtents(ref, ref);
                case BLOCK_WRITE -> () -> snapshotter().createBlockVolume(volume + "-written", 1 << 20).close();
            };
            assertReason(Reason.UNSUPPORTED, call);
        }
    }

    /** Feature BLOCK_DIFF, where declared: the diff covers every changed byte, and nothing between identical snapshots. */
    @Test
    void aDiffCoversWhatChangedBetweenTwoSnapshots() {
        if (!snapshotter().features().contains(SnapshotFeature.BLOCK_DIFF)) {
            return; // refused: undeclaredFeaturesAreRefusedNotFaked
        }
        byte[] bytes = someBytes();
        String volume = newVolume(bytes);
        SnapshotRef first = snapshotter().createSnapshot(volume, "diff-1");
        SnapshotRef same = snapshotter().createSnapshot(volume, "diff-2");
        int changedAt = bytes.length / 2 + 1;
        bytes[changedAt] ^= 0x5a;
        overwriteVolume(volume, bytes);
        SnapshotRef changed = snapshotter().createSnapshot(volume, "diff-3");

        List<Extent> none = snapshotter().changedExtents(first, same);
        List<Extent> extents = snapshotter().changedExtents(first, changed);

        assertEquals(List.of(), none, "identical snapshots differ nowhere");
        assertTrue(extents.stream().anyMatch(e -> e.offset() <= changedAt && changedAt < e.end()), changedAt + " in " + extents);
        for (int i = 1; i < extents.size(); i++) {
            assertTrue(extents.get(i - 1).end() <= extents.get(i).offset(), "in offset order, apart: " + extents);
        }
    }

    /** Feature BLOCK_WRITE, where declared: a new volume holds what was written, zeros elsewhere, and a name is not taken twice. */
    @Test
    void aVolumeWrittenAsBlocksHoldsWhatWasWritten() {
        if (!snapshotter().features().contains(SnapshotFeature.BLOCK_WRITE)) {
            return; // refused: undeclaredFeaturesAreRefusedNotFaked
        }
        byte[] bytes = someBytes();
        String volume = missingVolume() + "-written";
        volumes.add(volume);

        try (BlockWriter writer = snapshotter().createBlockVolume(volume, 2L * bytes.length)) {
            assertEquals(2L * bytes.length, writer.sizeBytes());
            writer.write(bytes.length, bytes);
        }

        byte[] expected = new byte[2 * bytes.length];
        System.arraycopy(bytes, 0, expected, bytes.length, bytes.length);
        assertArrayEquals(expected, readVolume(volume, expected.length));
        assertReason(Reason.ALREADY_EXISTS, () -> snapshotter().createBlockVolume(volume, 1 << 20));
    }

    /** A clone's volume name next to the source's. */
    protected String cloneName(String volume) {
        return volume + "-clone";
    }

    protected static void assertReason(Reason expected, Executable call) {
        SnapshotException e = assertThrows(SnapshotException.class, call);
        assertEquals(expected, e.reason(), e.getMessage());
    }
}
