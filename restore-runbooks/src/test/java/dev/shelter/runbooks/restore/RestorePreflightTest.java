package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.wal.TimelineHistory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RestorePreflightTest {

    private static final TimelineHistory FIRST = TimelineHistory.first();

    /** Its WAL is segments 5 to 7 of timeline 1; the archive holds 5 to 10, so replay reaches 0/B000000. */
    private final BackupManifest backup = Backups.completed("20261129T093000Z-aaaaaa", "0/5000028", "0/7000100", 1,
            "2026-11-29T09:30:00Z", "2026-11-29T10:00:00Z");
    private final InMemoryWalArchive archive = new InMemoryWalArchive().withSegments(1, 5, 10);

    private static RestoreTarget.AtLsn lsn(String text) {
        return new RestoreTarget.AtLsn(Lsn.parse(text), true);
    }

    @Test
    void anLsnTargetWithinTheArchivedWalPasses() {
        RestorePreflight.Findings findings = RestorePreflight.check(backup, lsn("0/AFFFFFF"), FIRST, archive);

        assertEquals(Lsn.parse("0/B000000"), findings.replayableTo());
        assertEquals(6, findings.segments());
        assertEquals(1, findings.notes().size());
        assertTrue(findings.notes().get(0).contains("to 0/B000000 along timeline 1 (6 segments; 00000001000000000000000B is "
                + "the first not archived)"), findings.notes().get(0));
    }

    @Test
    void anLsnTargetAtTheEndOfTheArchivedWalIsRefused() {
        RestoreRefusedException refused = assertThrows(RestoreRefusedException.class,
                () -> RestorePreflight.check(backup, lsn("0/B000000"), FIRST, archive));

        assertEquals("LSN 0/B000000 (inclusive) is beyond the end of the archived WAL on timeline 1 (0/B000000; "
                + "00000001000000000000000B is not archived)", refused.getMessage());
    }

    @Test
    void anLsnTargetPastTheEndOfTheArchivedWalIsRefused() {
        RestoreRefusedException refused = assertThrows(RestoreRefusedException.class,
                () -> RestorePreflight.check(backup, lsn("0/C000010"), FIRST, archive));

        assertTrue(refused.getMessage().contains("beyond the end of the archived WAL"), refused.getMessage());
    }

    @Test
    void anLsnTargetBeforeTheBackupEndedIsRefusedBeforeTheArchiveIsAsked() {
        RestoreRefusedException refused = assertThrows(RestoreRefusedException.class,
                () -> RestorePreflight.check(backup, lsn("0/6000000"), FIRST, new InMemoryWalArchive()));

        assertTrue(refused.getMessage().startsWith("backup 20261129T093000Z-aaaaaa cannot reach LSN 0/6000000 (inclusive): it ends"),
                refused.getMessage());
    }

    @Test
    void aBackupWhoseOwnWalIsNotArchivedIsRefusedWhateverTheTarget() {
        RestoreRefusedException refused = assertThrows(RestoreRefusedException.class,
                () -> RestorePreflight.check(backup, new RestoreTarget.BackupEnd(), FIRST, archive.without("000000010000000000000007")));

        assertTrue(refused.getMessage().contains("needs to become consistent"), refused.getMessage());
    }

    @Test
    void aTargetOnlyReplayCanPlaceIsPassedWithANoteSayingSo() {
        RestorePreflight.Findings findings = RestorePreflight.check(backup, new RestoreTarget.AtTransaction(741, true), FIRST,
                archive);

        assertEquals(Lsn.parse("0/B000000"), findings.replayableTo());
        assertEquals(2, findings.notes().size());
        assertTrue(findings.notes().get(1).startsWith("where transaction 741 (inclusive) lies in WAL is known only to replay"),
                findings.notes().get(1));
    }

    @Test
    void theLatestTargetNeedsNoNoteBeyondWhatIsArchived() {
        RestorePreflight.Findings findings = RestorePreflight.check(backup, new RestoreTarget.Latest(), FIRST, archive);

        assertEquals(Lsn.parse("0/B000000"), findings.replayableTo());
        assertEquals(1, findings.notes().size());
    }
}
