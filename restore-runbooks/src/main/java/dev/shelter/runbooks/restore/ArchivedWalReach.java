package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupModeWindow;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.wal.TimelineHistory;
import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.runbooks.wal.WalFileName;

import java.util.List;

/**
 * How far a restore from a backup can replay along a timeline's history with what the archive
 * holds: segment after segment from the one holding the backup's start, each read from the newest
 * timeline of the path that had begun by then (as PostgreSQL reads them), up to the first one missing.
 */
public final class ArchivedWalReach {

    /** {@code end}: the position replay can reach (the end of the last segment there without a gap). */
    public record Reach(Lsn end, WalFileName firstMissing, long segments) {
    }

    private ArchivedWalReach() {
    }

    /**
     * Walks the archive from the backup's first segment; refuses the restore when a segment the
     * backup itself needs (through its stop LSN) is missing.
     */
    public static Reach from(BackupManifest backup, TimelineHistory along, WalArchive archive) {
        BackupModeWindow window = backup.window();
        long segmentBytes = backup.server().walSegmentBytes();
        List<Timeline> path = along.pathFrom(window.timeline());
        WalFileName needed = WalFileName.lastNeededBefore(window.timeline(), window.stopLsn(), segmentBytes);
        long lastNeeded = needed.segmentNumber(segmentBytes);
        long number = WalFileName.containing(window.timeline(), window.startLsn(), segmentBytes).segmentNumber(segmentBytes);
        long count = 0;
        while (true) {
            WalFileName segment = WalFileName.segment(timelineFor(number, path, along, segmentBytes), number, segmentBytes);
            if (!archive.containsSegment(segment, segmentBytes)) {
                if (number <= lastNeeded) {
                    throw new RestoreRefusedException("WAL segment " + segment + ", which backup " + backup.id()
                            + " needs to become consistent (its WAL runs from " + window.startLsn() + " to " + window.stopLsn()
                            + "), is not in " + archive.describe() + ": the backup cannot be restored");
                }
                return new Reach(segment.segmentStart(segmentBytes), segment, count);
            }
            count++;
            number++;
        }
    }

    /** The newest timeline of the path whose WAL had begun by the segment's start, or within it. */
    private static Timeline timelineFor(long number, List<Timeline> path, TimelineHistory along, long segmentBytes) {
        for (int i = path.size() - 1; i > 0; i--) {
            long begins = Long.divideUnsigned(along.startOf(path.get(i)).value(), segmentBytes);
            if (Long.compareUnsigned(begins, number) <= 0) {
                return path.get(i);
            }
        }
        return path.get(0);
    }
}
