package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.wal.TimelineHistory;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which backup a restore to a target starts from: the newest completed backup whose end (stop LSN
 * and end time) lies before the target, on a timeline from which the target's timeline descends
 * without branching off before the backup ended. Never a fall-back to the latest backup: when
 * none qualifies, the restore is refused with the reason.
 */
public final class BackupChoice {

    private BackupChoice() {
    }

    /**
     * @param backups   the cluster's backups, in any state and order
     * @param requested a backup the caller named, checked by the same rules; empty to choose
     */
    public static BackupManifest choose(List<BackupManifest> backups, RestoreTarget target, TimelineHistory along,
                                        Optional<BackupId> requested) {
        if (requested.isPresent()) {
            BackupManifest named = backups.stream().filter(b -> b.id().equals(requested.get())).findFirst()
                    .orElseThrow(() -> new UnknownBackupForRestoreException("cluster has no backup " + requested.get()));
            if (named.state() != BackupState.COMPLETED) {
                throw new RestoreRefusedException("backup " + named.id() + " is " + named.state().name().toLowerCase()
                        + ", not completed: only a completed backup can be restored");
            }
            whyNot(named, target, along).ifPresent(reason -> {
                throw new RestoreRefusedException("backup " + named.id() + " cannot reach " + target.describe() + ": " + reason);
            });
            return named;
        }
        List<BackupManifest> completed = backups.stream().filter(b -> b.state() == BackupState.COMPLETED).toList();
        if (completed.isEmpty()) {
            throw new RestoreRefusedException("the cluster has no completed backup to restore from");
        }
        // Ordered by end time, never by name or id (ids may not follow time after a clock change).
        Optional<BackupManifest> newest = completed.stream().filter(b -> whyNot(b, target, along).isEmpty())
                .max(Comparator.comparing((BackupManifest b) -> b.window().endedAt()).thenComparing(b -> b.window().stopLsn()));
        if (newest.isPresent()) {
            return newest.get();
        }
        BackupManifest oldest = completed.stream().min(Comparator.comparing(b -> b.window().endedAt())).orElseThrow();
        throw new RestoreRefusedException("no completed backup can reach " + target.describe() + " on timeline "
                + along.timeline() + "; the oldest, " + oldest.id() + ", ends at " + oldest.window().endedAt() + " (LSN "
                + oldest.window().stopLsn() + ", timeline " + oldest.window().timeline() + "): "
                + whyNot(oldest, target, along).orElse(""));
    }

    /** Why the backup cannot reach the target along the timeline; empty when it can. */
    public static Optional<String> whyNot(BackupManifest backup, RestoreTarget target, TimelineHistory along) {
        if (backup.window() == null || backup.server() == null) {
            return Optional.of("it never reached its stop point");
        }
        if (!target.isReachableFrom(backup)) {
            return Optional.of("it ends at " + backup.window().endedAt() + " (LSN " + backup.window().stopLsn()
                    + "), not before the target");
        }
        if (!along.descendsFrom(backup.window().timeline())) {
            return Optional.of("timeline " + along.timeline() + " does not descend from its timeline " + backup.window().timeline());
        }
        Optional<Lsn> branched = along.endOf(backup.window().timeline());
        if (branched.isPresent() && branched.get().compareTo(backup.window().stopLsn()) < 0) {
            return Optional.of("timeline " + along.timeline() + " branched off its timeline " + backup.window().timeline() + " at "
                    + branched.get() + ", before it ended at " + backup.window().stopLsn());
        }
        return Optional.empty();
    }
}
