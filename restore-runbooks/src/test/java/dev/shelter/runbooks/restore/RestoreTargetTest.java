package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.Lsn;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RestoreTargetTest {

    private static final Lsn LSN = Lsn.parse("0/3000148");

    @Test
    void aTimeWithAnOffsetIsReadAsTheInstantItNames() {
        RestoreTarget.AtTime target = RestoreTarget.AtTime.parse("2026-11-29T10:15:00.25+01:00", true);

        assertEquals(Instant.parse("2026-11-29T09:15:00.25Z"), target.at());
        assertTrue(target.inclusive());
    }

    @Test
    void aTimeInUtcIsReadAsItIs() {
        RestoreTarget.AtTime target = RestoreTarget.AtTime.parse("2026-11-29T09:15:00Z", false);

        assertEquals(Instant.parse("2026-11-29T09:15:00Z"), target.at());
        assertFalse(target.inclusive());
    }

    @Test
    void aTimeWithoutAnOffsetIsRefused() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> RestoreTarget.AtTime.parse("2026-11-29T10:15:00.25", true));

        assertTrue(refused.getMessage().contains("offset"), refused.getMessage());
        assertTrue(refused.getMessage().contains("2026-11-29T10:15:00.25"), refused.getMessage());
    }

    @Test
    void aTimeTargetIsWrittenInUtcWithMicrosecondsAndAnExplicitOffset() {
        RestoreTarget.AtTime inclusive = RestoreTarget.AtTime.parse("2026-11-29T10:15:00.25+01:00", true);
        RestoreTarget.AtTime exclusive = RestoreTarget.AtTime.parse("2026-11-29T10:15:00.25+01:00", false);

        assertEquals(List.of(Map.entry("recovery_target_time", "2026-11-29 09:15:00.250000+00"),
                Map.entry("recovery_target_inclusive", "on")), List.copyOf(inclusive.settings().entrySet()));
        assertEquals(List.of(Map.entry("recovery_target_time", "2026-11-29 09:15:00.250000+00"),
                Map.entry("recovery_target_inclusive", "off")), List.copyOf(exclusive.settings().entrySet()));
    }

    @Test
    void eachOtherKindWritesItsOwnRecoverySettings() {
        assertEquals(List.of(Map.entry("recovery_target_lsn", "0/3000148"), Map.entry("recovery_target_inclusive", "off")),
                List.copyOf(new RestoreTarget.AtLsn(LSN, false).settings().entrySet()));
        assertEquals(List.of(Map.entry("recovery_target_xid", "741"), Map.entry("recovery_target_inclusive", "on")),
                List.copyOf(new RestoreTarget.AtTransaction(741, true).settings().entrySet()));
        assertEquals(Map.of("recovery_target_name", "before upgrade"), new RestoreTarget.AtRestorePoint("before upgrade").settings());
        assertEquals(Map.of("recovery_target", "immediate"), new RestoreTarget.BackupEnd().settings());
        assertEquals(Map.of(), new RestoreTarget.Latest().settings());
    }

    @Test
    void everyKindIsReadBackAsJournaled() {
        List<RestoreTarget> targets = List.of(
                RestoreTarget.AtTime.parse("2026-11-29T10:15:00.25+01:00", true),
                RestoreTarget.AtTime.parse("2026-11-29T10:15:00.000001Z", false),
                new RestoreTarget.AtLsn(Lsn.parse("16/3002D50"), true),
                new RestoreTarget.AtLsn(LSN, false),
                new RestoreTarget.AtTransaction(741, true),
                new RestoreTarget.AtTransaction(4294967295L, false),
                new RestoreTarget.AtRestorePoint("before upgrade"),
                new RestoreTarget.AtRestorePoint("x"),
                new RestoreTarget.BackupEnd(),
                new RestoreTarget.Latest());

        for (RestoreTarget target : targets) {
            assertEquals(target, RestoreTarget.decode(target.encode()), target.encode());
        }
    }

    @Test
    void aJournalLineOfNoKnownKindIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> RestoreTarget.decode("epoch 12"));
    }

    @Test
    void aTransactionIdOutsideTheNormalRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RestoreTarget.AtTransaction(2, true));
        assertThrows(IllegalArgumentException.class, () -> new RestoreTarget.AtTransaction(4294967296L, true));
    }

    @Test
    void aRestorePointNameThatCannotBeWrittenAsASettingIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RestoreTarget.AtRestorePoint("it's"));
        assertThrows(IllegalArgumentException.class, () -> new RestoreTarget.AtRestorePoint(""));
        assertThrows(IllegalArgumentException.class, () -> new RestoreTarget.AtRestorePoint(" leading"));
    }

    @Test
    void aTimeTargetStopsBeforeTheFirstCommitPastIt() {
        RestoreTarget.AtTime target = RestoreTarget.AtTime.parse("2026-11-29T10:15:00Z", true);

        assertTrue(target.isStop("before 2026-11-29 10:15:00.25+00"));
        assertFalse(target.isStop("before transaction 741"));
        assertFalse(target.isStop("before LSN 0/3000148"));
        assertFalse(target.isStop("reached consistency"));
        assertFalse(target.isStop("no recovery target specified"));
    }

    @Test
    void anInclusiveLsnTargetStopsAfterItAndAnExclusiveOneBefore() {
        RestoreTarget.AtLsn inclusive = new RestoreTarget.AtLsn(LSN, true);
        RestoreTarget.AtLsn exclusive = new RestoreTarget.AtLsn(LSN, false);

        assertTrue(inclusive.isStop("after LSN 0/3000148"));
        assertFalse(inclusive.isStop("before LSN 0/3000148"));
        assertTrue(exclusive.isStop("before LSN 0/3000148"));
        assertFalse(exclusive.isStop("after LSN 0/3000148"));
    }

    @Test
    void anLsnTargetIsNotStoppedByTheEndOfWal() {
        assertFalse(new RestoreTarget.AtLsn(LSN, true).isStop("no recovery target specified"));
        assertFalse(new RestoreTarget.AtLsn(LSN, false).isStop("no recovery target specified"));
        assertFalse(new RestoreTarget.AtLsn(LSN, false).isStop("reached consistency"));
    }

    @Test
    void aTransactionTargetStopsAtThatTransactionOnTheSideInclusiveSays() {
        RestoreTarget.AtTransaction inclusive = new RestoreTarget.AtTransaction(741, true);
        RestoreTarget.AtTransaction exclusive = new RestoreTarget.AtTransaction(741, false);

        assertTrue(inclusive.isStop("after transaction 741"));
        assertFalse(inclusive.isStop("before transaction 741"));
        assertTrue(exclusive.isStop("before transaction 741"));
        assertFalse(exclusive.isStop("after transaction 741"));
        assertFalse(inclusive.isStop("after transaction 7410"));
        assertFalse(exclusive.isStop("before transaction 742"));
    }

    @Test
    void aRestorePointTargetStopsAtThatNamedPointOnly() {
        RestoreTarget.AtRestorePoint target = new RestoreTarget.AtRestorePoint("x");

        assertTrue(target.isStop("at restore point \"x\""));
        assertFalse(target.isStop("at restore point \"y\""));
        assertFalse(target.isStop("no recovery target specified"));
    }

    @Test
    void theBackupEndStopsOnReachingConsistency() {
        assertTrue(new RestoreTarget.BackupEnd().isStop("reached consistency"));
        assertFalse(new RestoreTarget.BackupEnd().isStop("no recovery target specified"));
    }

    @Test
    void theLatestTargetStopsOnlyAtTheEndOfWal() {
        assertTrue(new RestoreTarget.Latest().isStop("no recovery target specified"));
        assertFalse(new RestoreTarget.Latest().isStop("reached consistency"));
        assertFalse(new RestoreTarget.Latest().isStop("before transaction 741"));
    }
}
