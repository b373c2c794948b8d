package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.storage.snapshot.VolumeSnapshotter;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link VolumeSwap} adapter must do, asserted on the bytes a member would read: the
 * clone in place after a swap, the original set aside and unchanged, and back again; each step
 * idempotent; a kept original listed until removed; the volume in use never removed.
 */
public abstract class VolumeSwapContract {

    /** The adapter under test. */
    protected abstract VolumeSwap swap();

    protected abstract VolumeSnapshotter snapshotter();

    /** A backup of one volume whose snapshot holds {@code atBackup}, the volume holding {@code now} since. */
    protected abstract BackupManifest backupOf(String atBackup, String now) throws Exception;

    /** What a member reads from {@code volume} (a mount, a clone or an original, as the swap names it); null if it is gone. */
    protected abstract String contentOf(String volume) throws Exception;

    private VolumeSwap.Swap cloned(BackupManifest backup, String tag) {
        VolumeSwap.Swap swap = swap().swapsFor(backup, tag).get(0);
        assertFalse(swap().cloneExists(swap));
        snapshotter().cloneSnapshot(swap.snapshot().ref(), swap.cloneVolume());
        assertTrue(swap().cloneExists(swap));
        return swap;
    }

    @Test
    void aSwapPutsTheCloneInPlaceAndTheOriginalAsideUnchanged() throws Exception {
        BackupManifest backup = backupOf("at the backup", "later");
        VolumeSwap.Swap swap = cloned(backup, "r1");
        assertEquals("at the backup", contentOf(swap.cloneVolume()));

        swap().swapIn(swap);
        assertTrue(swap().isSwappedIn(swap));
        assertEquals("at the backup", contentOf(swap.mount()));
        assertEquals("later", contentOf(swap.original()));

        swap().swapIn(swap); // idempotent
        assertEquals("at the backup", contentOf(swap.mount()));
        assertEquals("later", contentOf(swap.original()));
    }

    @Test
    void aSwapBackPutsTheOriginalInPlaceAndTheCloneCanGo() throws Exception {
        BackupManifest backup = backupOf("at the backup", "later");
        VolumeSwap.Swap swap = cloned(backup, "r2");
        swap().swapIn(swap);

        swap().swapBack(swap);
        assertFalse(swap().isSwappedIn(swap));
        assertEquals("later", contentOf(swap.mount()));
        swap().swapBack(swap); // idempotent
        assertEquals("later", contentOf(swap.mount()));

        swap().discardClone(swap);
        assertFalse(swap().cloneExists(swap));
        swap().discardClone(swap); // idempotent
        assertEquals("later", contentOf(swap.mount()));
    }

    @Test
    void aSwappedInCloneIsNeverDiscarded() throws Exception {
        VolumeSwap.Swap swap = cloned(backupOf("at the backup", "later"), "r3");
        swap().swapIn(swap);
        assertThrows(IllegalStateException.class, () -> swap().discardClone(swap));
        assertEquals("at the backup", contentOf(swap.mount()));
    }

    @Test
    void aKeptOriginalIsListedUntilRemovedAndTheVolumeInUseStays() throws Exception {
        VolumeSwap.Swap swap = cloned(backupOf("at the backup", "later"), "r4");
        swap().swapIn(swap);
        swap().detachClone(swap);
        Instant until = Instant.parse("2026-12-01T00:00:00Z");
        swap().keepOriginal(swap, "r4", until);
        swap().keepOriginal(swap, "r4", until); // idempotent

        List<VolumeSwap.KeptOriginal> kept = swap().keptOriginals();
        assertEquals(List.of(new VolumeSwap.KeptOriginal(swap.original(), swap.mount(), "r4", until)), kept);
        assertEquals("later", contentOf(swap.original()));

        swap().removeOriginal(kept.get(0));
        assertEquals(List.of(), swap().keptOriginals());
        assertEquals(null, contentOf(swap.original()));
        assertEquals("at the backup", contentOf(swap.mount()));
        swap().removeOriginal(kept.get(0)); // idempotent
    }
}
