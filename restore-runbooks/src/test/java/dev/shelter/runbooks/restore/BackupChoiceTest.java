package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupMode;
import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.wal.TimelineHistory;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackupChoiceTest {

    private static final TimelineHistory FIRST = TimelineHistory.first();

    private final BackupManifest ten = Backups.completed("20261129T093000Z-aaaaaa", "0/2000028", "0/3000100", 1,
            "2026-11-29T09:30:00Z", "2026-11-29T10:00:00Z");
    private final BackupManifest eleven = Backups.completed("20261129T103000Z-bbbbbb", "0/4000028", "0/5000100", 1,
            "2026-11-29T10:30:00Z", "2026-11-29T11:00:00Z");
    private final BackupManifest twelve = Backups.completed("20261129T113000Z-cccccc", "0/6000028", "0/7000100", 1,
            "2026-11-29T11:30:00Z", "2026-11-29T12:00:00Z");
    private final BackupManifest failedAtHalfPastEleven = Backups.stopped("20261129T110000Z-ffffff", "0/5800028", "0/5900100", 1,
            "2026-11-29T11:00:00Z", "2026-11-29T11:30:00Z").failed("snapshot failed", Instant.parse("2026-11-29T11:31:00Z"));

    private final List<BackupManifest> all = List.of(twelve, failedAtHalfPastEleven, ten, eleven);

    private static RestoreTarget.AtTime at(String time) {
        return RestoreTarget.AtTime.parse(time, true);
    }

    private static TimelineHistory secondBranchedAt(String lsn) {
        return TimelineHistory.parse(new Timeline(2),
                ("1\t" + lsn + "\tno recovery target specified\n").getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void choosesTheNewestCompletedBackupEndingBeforeTheTime() {
        assertEquals(eleven, BackupChoice.choose(all, at("2026-11-29T11:45:00Z"), FIRST, Optional.empty()));
        assertEquals(twelve, BackupChoice.choose(all, at("2026-11-29T12:00:01Z"), FIRST, Optional.empty()));
    }

    @Test
    void aBackupEndingExactlyAtTheTimeDoesNotQualify() {
        assertEquals(ten, BackupChoice.choose(all, at("2026-11-29T11:00:00Z"), FIRST, Optional.empty()));
    }

    @Test
    void ordersBackupsByWhenTheyEndedNotByTheirIds() {
        // The id says 23:00 (a clock that was wrong), yet it ended first.
        BackupManifest misnamed = Backups.completed("20261129T230000Z-111111", "0/2000028", "0/3000100", 1,
                "2026-11-29T09:30:00Z", "2026-11-29T10:00:00Z");
        BackupManifest later = Backups.completed("20261129T080000Z-222222", "0/4000028", "0/5000100", 1,
                "2026-11-29T10:30:00Z", "2026-11-29T11:00:00Z");

        assertEquals(later, BackupChoice.choose(List.of(misnamed, later), at("2026-11-29T11:30:00Z"), FIRST, Optional.empty()));
        assertEquals(later, BackupChoice.choose(List.of(later, misnamed), at("2026-11-29T11:30:00Z"), FIRST, Optional.empty()));
    }

    @Test
    void ofTwoBackupsEndingAtOnceTheOneWithTheLaterStopLsnIsChosen() {
        BackupManifest further = Backups.completed("20261129T103001Z-dddddd", "0/4800028", "0/5800100", 1,
                "2026-11-29T10:30:01Z", "2026-11-29T11:00:00Z");

        assertEquals(further, BackupChoice.choose(List.of(further, eleven), new RestoreTarget.Latest(), FIRST, Optional.empty()));
        assertEquals(further, BackupChoice.choose(List.of(eleven, further), new RestoreTarget.Latest(), FIRST, Optional.empty()));
    }

    @Test
    void anLsnTargetIsComparedWithTheBackupsStopLsn() {
        assertEquals(ten, BackupChoice.choose(all, new RestoreTarget.AtLsn(Lsn.parse("0/5000100"), true), FIRST, Optional.empty()));
        assertEquals(eleven, BackupChoice.choose(all, new RestoreTarget.AtLsn(Lsn.parse("0/5000101"), true), FIRST, Optional.empty()));
    }

    @Test
    void whenNoBackupEndsBeforeTheTargetTheRefusalNamesTheOldest() {
        RestoreRefusedException refused = assertThrows(RestoreRefusedException.class,
                () -> BackupChoice.choose(all, at("2026-11-29T09:59:00Z"), FIRST, Optional.empty()));

        assertTrue(refused.getMessage().contains("the oldest, 20261129T093000Z-aaaaaa, ends at 2026-11-29T10:00:00Z"),
                refused.getMessage());
    }

    @Test
    void aClusterWithOnlyAFailedBackupHasNothingToRestore() {
        RestoreRefusedException refused = assertThrows(RestoreRefusedException.class,
                () -> BackupChoice.choose(List.of(failedAtHalfPastEleven), new RestoreTarget.Latest(), FIRST, Optional.empty()));

        assertEquals("the cluster has no completed backup to restore from", refused.getMessage());
    }

    @Test
    void aRequestedBackupTheClusterDoesNotHaveIsUnknown() {
        UnknownBackupForRestoreException refused = assertThrows(UnknownBackupForRestoreException.class,
                () -> BackupChoice.choose(all, new RestoreTarget.Latest(), FIRST,
                        Optional.of(new BackupId("20261129T000000Z-000000"))));

        assertEquals("cluster has no backup 20261129T000000Z-000000", refused.getMessage());
    }

    @Test
    void aRequestedBackupEndingAfterTheTargetIsRefused() {
        RestoreRefusedException refused = assertThrows(RestoreRefusedException.class,
                () -> BackupChoice.choose(all, at("2026-11-29T11:45:00Z"), FIRST, Optional.of(twelve.id())));

        assertEquals(RestoreRefusedException.class, refused.getClass());
        assertTrue(refused.getMessage().startsWith("backup 20261129T113000Z-cccccc cannot reach time 2026-11-29T11:45:00Z"),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("not before the target"), refused.getMessage());
    }

    @Test
    void aRequestedBackupThatFailedIsRefused() {
        RestoreRefusedException refused = assertThrows(RestoreRefusedException.class,
                () -> BackupChoice.choose(all, new RestoreTarget.Latest(), FIRST, Optional.of(failedAtHalfPastEleven.id())));

        assertTrue(refused.getMessage().contains("is failed, not completed"), refused.getMessage());
    }

    @Test
    void aRequestedOlderBackupThatReachesTheTargetIsUsedRatherThanTheNewest() {
        assertEquals(ten, BackupChoice.choose(all, at("2026-11-29T11:45:00Z"), FIRST, Optional.of(ten.id())));
    }

    @Test
    void aTimelineThatBranchedOffBeforeABackupEndedRulesThatBackupOut() {
        TimelineHistory branchedEarly = secondBranchedAt("0/4000000");

        assertEquals(ten, BackupChoice.choose(all, new RestoreTarget.Latest(), branchedEarly, Optional.empty()));
        assertEquals(Optional.of("timeline 2 branched off its timeline 1 at 0/4000000, before it ended at 0/5000100"),
                BackupChoice.whyNot(eleven, new RestoreTarget.Latest(), branchedEarly));
    }

    @Test
    void aTimelineThatBranchedOffAfterABackupEndedKeepsIt() {
        assertEquals(twelve, BackupChoice.choose(all, new RestoreTarget.Latest(), secondBranchedAt("0/8000000"), Optional.empty()));
        assertEquals(Optional.empty(), BackupChoice.whyNot(twelve, new RestoreTarget.Latest(), secondBranchedAt("0/7000100")));
    }

    @Test
    void aBackupOnATimelineTheTargetDoesNotDescendFromIsRuledOut() {
        BackupManifest onSecond = Backups.completed("20261129T130000Z-dddddd", "0/9000028", "0/A000100", 2,
                "2026-11-29T13:00:00Z", "2026-11-29T13:30:00Z");

        assertEquals(ten, BackupChoice.choose(List.of(ten, onSecond), new RestoreTarget.Latest(), FIRST, Optional.empty()));
        assertEquals(Optional.of("timeline 1 does not descend from its timeline 2"),
                BackupChoice.whyNot(onSecond, new RestoreTarget.Latest(), FIRST));
    }

    @Test
    void aBackupThatNeverStoppedCannotReachAnything() {
        BackupManifest running = BackupManifest.running(new BackupRequest(new BackupId("20261129T140000Z-eeeeee"),
                new ClusterName("main"), BackupMode.ONLINE, "nightly", true, Instant.parse("2026-11-29T14:00:00Z")));

        assertEquals(Optional.of("it never reached its stop point"),
                BackupChoice.whyNot(running, new RestoreTarget.Latest(), FIRST));
        RestoreRefusedException refused = assertThrows(RestoreRefusedException.class,
                () -> BackupChoice.choose(List.of(running, ten), new RestoreTarget.Latest(), FIRST, Optional.of(running.id())));
        assertTrue(refused.getMessage().contains("is running, not completed"), refused.getMessage());
    }
}
