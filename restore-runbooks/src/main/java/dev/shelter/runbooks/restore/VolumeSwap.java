package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.VolumeSnapshot;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The fast restore's port (DESIGN.md section 4, clone and swap): points a stopped cluster's volumes
 * at clones of a backup's snapshots, and back. The original volumes are set aside untouched, so a
 * restore that fails its verification swaps them back, and one that passes keeps them for a while
 * before they are removed. Locally a data directory is swapped by rename; on Kubernetes a claim is
 * rebound to a volume of the clone. Every change is idempotent and observable, for a resumed restore.
 */
public interface VolumeSwap {

    /**
     * One volume of the backup set: its snapshot, the volume the member mounts ({@code mount}: a
     * directory, or a claim), the clone made of the snapshot (a name the snapshotter knows), and
     * where the original is kept while the clone stands in for it.
     */
    record Swap(VolumeSnapshot snapshot, String mount, String cloneVolume, String original) {
        public Swap {
            Objects.requireNonNull(snapshot, "snapshot");
            Objects.requireNonNull(mount, "mount");
            Objects.requireNonNull(cloneVolume, "cloneVolume");
            Objects.requireNonNull(original, "original");
        }

        @Override
        public String toString() {
            return snapshot.role() + " " + mount + " <- clone " + cloneVolume + " of " + snapshot.ref() + " (original kept as " + original + ")";
        }
    }

    /** An original kept after a restore passed, until {@code until}; {@code tag} names the restore. */
    record KeptOriginal(String original, String mount, String tag, Instant until) {
        public KeptOriginal {
            Objects.requireNonNull(original, "original");
            Objects.requireNonNull(mount, "mount");
            Objects.requireNonNull(tag, "tag");
            Objects.requireNonNull(until, "until");
        }
    }

    /** The swaps that restore {@code backup}, named by {@code tag} (unique per restore). Observes; changes nothing. */
    List<Swap> swapsFor(BackupManifest backup, String tag);

    /** Refuses, before anything changes, a cluster whose volumes cannot be swapped (saying why). */
    default void requireSwappable(BackupManifest backup) {
    }

    boolean cloneExists(Swap swap);

    /** Removes the clone; nothing if it is gone. Refused while the clone is swapped in. */
    void discardClone(Swap swap);

    /** Puts the clone where the member mounts its volume and the original aside. Only while the cluster is stopped. */
    void swapIn(Swap swap);

    /** True once the clone is in place and the original aside. */
    boolean isSwappedIn(Swap swap);

    /** Puts the original back in place (the clone becomes a clone again); nothing if it is in place. Only while stopped. */
    void swapBack(Swap swap);

    /**
     * Makes the clone, swapped in, independent of the backup's snapshot, so that the backup can be
     * deleted later (RBD: flatten). Nothing where a clone is a copy already. Idempotent.
     */
    default void detachClone(Swap swap) {
    }

    /** Marks the original, aside, to be kept until {@code until} and then removed. Idempotent. */
    void keepOriginal(Swap swap, String tag, Instant until);

    /** The originals kept, newest restore last. */
    List<KeptOriginal> keptOriginals();

    /** Removes a kept original for good; nothing if it is gone. */
    void removeOriginal(KeptOriginal kept);

    /** Where, for the dry run and the journal. */
    String describe();
}
