package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.wal.TimelineHistory;
import dev.shelter.runbooks.wal.WalFileName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static dev.shelter.runbooks.restore.InMemoryWalArchive.segment;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchivedWalReachTest {

    /** Its WAL is segments 5 to 7 of timeline 1. */
    private final BackupManifest backup = Backups.completed("20261129T093000Z-aaaaaa", "0/5000028", "0/7000100", 1,
            "2026-11-29T09:30:00Z", "2026-11-29T10:00:00Z");

    /** Timeline 2 left timeline 1 inside segment 8. */
    private static final TimelineHistory SECOND = TimelineHistory.parse(new Timeline(2),
            "1\t0/8800000\tno recovery target specified\n".getBytes(StandardCharsets.US_ASCII));

    @Test
    void reachesTheStartOfTheFirstSegmentMissingAfterTheBackup() {
        InMemoryWalArchive archive = new InMemoryWalArchive().withSegments(1, 5, 10).withSegments(1, 12, 13);

        ArchivedWalReach.Reach reach = ArchivedWalReach.from(backup, TimelineHistory.first(), archive);

        assertEquals(new ArchivedWalReach.Reach(Lsn.parse("0/B000000"), WalFileName.parse("00000001000000000000000B"), 6), reach);
    }

    @Test
    void aBackupWhoseOwnWalIsAllThereButNothingMoreReachesItsLastSegmentsEnd() {
        InMemoryWalArchive archive = new InMemoryWalArchive().withSegments(1, 5, 7);

        ArchivedWalReach.Reach reach = ArchivedWalReach.from(backup, TimelineHistory.first(), archive);

        assertEquals(Lsn.parse("0/8000000"), reach.end());
        assertEquals(3, reach.segments());
    }

    @Test
    void aStopLsnOnASegmentBoundaryNeedsNothingOfTheNextSegment() {
        BackupManifest endingOnBoundary = Backups.completed("20261129T093000Z-aaaaaa", "0/5000028", "0/8000000", 1,
                "2026-11-29T09:30:00Z", "2026-11-29T10:00:00Z");

        ArchivedWalReach.Reach reach = ArchivedWalReach.from(endingOnBoundary, TimelineHistory.first(),
                new InMemoryWalArchive().withSegments(1, 5, 7));

        assertEquals(Lsn.parse("0/8000000"), reach.end());
    }

    @Test
    void aSegmentMissingInsideTheBackupsOwnWalRefusesTheRestore() {
        InMemoryWalArchive archive = new InMemoryWalArchive().withSegments(1, 5, 10).without(segment(1, 6));

        RestoreRefusedException refused = assertThrows(RestoreRefusedException.class,
                () -> ArchivedWalReach.from(backup, TimelineHistory.first(), archive));

        assertTrue(refused.getMessage().startsWith("WAL segment 000000010000000000000006, which backup 20261129T093000Z-aaaaaa "
                + "needs to become consistent"), refused.getMessage());
    }

    @Test
    void theLastSegmentTheBackupNeedsMissingRefusesTheRestore() {
        InMemoryWalArchive archive = new InMemoryWalArchive().withSegments(1, 5, 6);

        RestoreRefusedException refused = assertThrows(RestoreRefusedException.class,
                () -> ArchivedWalReach.from(backup, TimelineHistory.first(), archive));

        assertTrue(refused.getMessage().contains("000000010000000000000007"), refused.getMessage());
    }

    @Test
    void acrossATimelineSwitchSegmentsFromTheSwitchOnAreReadOnTheNewTimeline() {
        InMemoryWalArchive archive = new InMemoryWalArchive().withSegments(1, 5, 7).withSegments(2, 8, 10);

        ArchivedWalReach.Reach reach = ArchivedWalReach.from(backup, SECOND, archive);

        assertEquals(new ArchivedWalReach.Reach(Lsn.parse("0/B000000"), WalFileName.parse("00000002000000000000000B"), 6), reach);
    }

    @Test
    void theOldTimelinesCopyOfTheSwitchSegmentDoesNotCount() {
        InMemoryWalArchive archive = new InMemoryWalArchive().withSegments(1, 5, 10).withSegments(2, 9, 10);

        ArchivedWalReach.Reach reach = ArchivedWalReach.from(backup, SECOND, archive);

        assertEquals(new ArchivedWalReach.Reach(Lsn.parse("0/8000000"), WalFileName.parse("000000020000000000000008"), 3), reach);
    }

    @Test
    void segmentsBeforeTheSwitchAreReadOnTheOldTimeline() {
        InMemoryWalArchive archive = new InMemoryWalArchive().withSegments(2, 5, 10);

        RestoreRefusedException refused = assertThrows(RestoreRefusedException.class,
                () -> ArchivedWalReach.from(backup, SECOND, archive));

        assertTrue(refused.getMessage().startsWith("WAL segment 000000010000000000000005,"), refused.getMessage());
    }
}
