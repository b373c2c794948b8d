package dev.shelter.runbooks.wal;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.SystemIdentifier;

import java.util.Optional;

/**
 * Removing WAL no kept backup needs, in a layout that knows which system its files belong to.
 * Adapter: Shelter's layout. Plain files say nothing of their system, so they are never pruned.
 */
public interface WalPruning {

    /** What went (or, on a dry run, would go): how many files, their stored bytes, the first and last by name. */
    record Pruned(int files, long bytes, Optional<String> first, Optional<String> last) {

        public static final Pruned NOTHING = new Pruned(0, 0, Optional.empty(), Optional.empty());
    }

    /**
     * Removes, oldest first, every file of system {@code system}'s WAL whose segment lies wholly
     * before the one {@code keepFrom} is in: on every timeline and in every incarnation, whole
     * segments, partial ones, streamed pieces and backup history files alike. Timeline history
     * files are never removed (they are small, and recovery walks them). A crash part way leaves
     * the oldest files gone and the rest whole. Nothing of another system is touched.
     */
    Pruned pruneBefore(SystemIdentifier system, Lsn keepFrom, boolean dryRun);
}
