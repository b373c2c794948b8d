package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.wal.TimelineHistory;
import dev.shelter.runbooks.wal.WalArchive;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What must hold before a restore changes anything (DESIGN.md section 3, rules 5 and 6): the backup
 * can reach the target along the timeline, the archive holds the backup's own WAL, and the WAL from
 * there is continuous past the target. Refuses with the reason; returns what it found.
 */
public final class RestorePreflight {

    /** {@code replayableTo}: where the archived WAL ends without a gap, along the timeline. */
    public record Findings(Lsn replayableTo, long segments, List<String> notes) {
        public Findings {
            notes = List.copyOf(notes);
        }
    }

    private RestorePreflight() {
    }

    /** As strict as before anything changes: the archive alone decides. */
    public static Findings check(BackupManifest backup, RestoreTarget target, TimelineHistory along, WalArchive archive) {
        return check(backup, target, along, archive, Optional.empty());
    }

    /**
     * As a request is checked, while the cluster still runs: WAL the primary has written on the
     * timeline ({@code written}) but not yet archived counts, since the restore's first step switches
     * and archives it, and its check, strict, runs again before anything changes.
     */
    public static Findings check(BackupManifest backup, RestoreTarget target, TimelineHistory along, WalArchive archive,
                                 Optional<Lsn> written) {
        Optional<String> unreachable = BackupChoice.whyNot(backup, target, along);
        if (unreachable.isPresent()) {
            throw new RestoreRefusedException("backup " + backup.id() + " cannot reach " + target.describe() + ": " + unreachable.get());
        }
        ArchivedWalReach.Reach reach = ArchivedWalReach.from(backup, along, archive);
        List<String> notes = new ArrayList<>();
        notes.add("the archive holds WAL without a gap from backup " + backup.id() + "'s start (" + backup.window().startLsn()
                + ") to " + reach.end() + " along timeline " + along.timeline() + " (" + reach.segments() + " segments; "
                + reach.firstMissing() + " is the first not archived)");
        if (target instanceof RestoreTarget.AtLsn lsn && !reach.end().isAfter(lsn.lsn())) {
            if (written.isPresent() && !lsn.lsn().isAfter(written.get())) {
                notes.add(target.describe() + " is written by the running primary (at " + written.get() + ") but not yet "
                        + "archived: the restore's first step switches WAL and waits until it is");
                return new Findings(reach.end(), reach.segments(), notes);
            }
            throw new RestoreRefusedException(target.describe() + " is beyond the end of the archived WAL on timeline "
                    + along.timeline() + " (" + reach.end() + "; " + reach.firstMissing() + " is not archived)");
        }
        if (target instanceof RestoreTarget.AtTime || target instanceof RestoreTarget.AtTransaction
                || target instanceof RestoreTarget.AtRestorePoint) {
            notes.add("where " + target.describe() + " lies in WAL is known only to replay: if the archived WAL ends "
                    + "before it, PostgreSQL stops with \"recovery ended before configured recovery target was reached\" "
                    + "and the restore fails; it never promotes elsewhere");
        }
        return new Findings(reach.end(), reach.segments(), notes);
    }
}
