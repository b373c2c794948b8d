package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.wal.TimelineHistory;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchivedTimelinesTest {

    private static final String SECOND = "1\t0/5000000\tno recovery target specified\n";
    private static final String THIRD = SECOND + "2\t0/7000000\tbefore transaction 741\n\n";

    @Test
    void anArchiveWithoutHistoryFilesKnowsOnlyTimelineOne() {
        assertEquals(new Timeline(1), new ArchivedTimelines(new InMemoryWalArchive().withSegments(1, 1, 3)).newest(new Timeline(1)));
    }

    @Test
    void theNewestTimelineIsTheLastOfAnUnbrokenRunOfHistoryFiles() {
        InMemoryWalArchive archive = new InMemoryWalArchive().withFile("00000002.history", SECOND).withFile("00000003.history", THIRD);

        assertEquals(new Timeline(3), new ArchivedTimelines(archive).newest(new Timeline(1)));
    }

    @Test
    void aHistoryFileAfterAGapIsNotFound() {
        InMemoryWalArchive archive = new InMemoryWalArchive().withFile("00000002.history", SECOND).withFile("00000004.history",
                SECOND + "2\t0/6000000\tno recovery target specified\n" + "3\t0/6800000\tno recovery target specified\n");

        assertEquals(new Timeline(2), new ArchivedTimelines(archive).newest(new Timeline(1)));
    }

    @Test
    void theNewestTimelineIsNeverOlderThanTheOneAskedFrom() {
        InMemoryWalArchive archive = new InMemoryWalArchive().withFile("00000002.history", SECOND);

        assertEquals(new Timeline(5), new ArchivedTimelines(archive).newest(new Timeline(5)));
    }

    @Test
    void readsATimelinesArchivedHistory() {
        TimelineHistory history = new ArchivedTimelines(new InMemoryWalArchive().withFile("00000002.history", SECOND))
                .historyOf(new Timeline(2));

        assertEquals(new TimelineHistory(new Timeline(2), List.of(new TimelineHistory.Switch(new Timeline(1), Lsn.parse("0/5000000")))),
                history);
        assertEquals(Lsn.parse("0/5000000"), history.startOf(new Timeline(2)));
    }

    @Test
    void timelineOneHasNoHistoryToFetch() {
        assertEquals(TimelineHistory.first(), new ArchivedTimelines(new InMemoryWalArchive()).historyOf(new Timeline(1)));
    }

    @Test
    void aTimelineWhoseHistoryIsNotArchivedRefusesTheRestore() {
        RestoreRefusedException refused = assertThrows(RestoreRefusedException.class,
                () -> new ArchivedTimelines(new InMemoryWalArchive().withFile("00000002.history", SECOND)).historyOf(new Timeline(3)));

        assertEquals("timeline 3 has no history file (00000003.history) in the in-memory archive: no restore can follow it",
                refused.getMessage());
    }

    @Test
    void anUnreadableHistoryRefusesTheRestore() {
        InMemoryWalArchive archive = new InMemoryWalArchive().withFile("00000002.history", "one\t0/5000000\tpromoted\n");

        RestoreRefusedException refused = assertThrows(RestoreRefusedException.class,
                () -> new ArchivedTimelines(archive).historyOf(new Timeline(2)));

        assertTrue(refused.getMessage().startsWith("the history of timeline 2 in the in-memory archive cannot be read"),
                refused.getMessage());
    }

    @Test
    void aHistoryNamingItselfAsItsAncestorRefusesTheRestore() {
        InMemoryWalArchive archive = new InMemoryWalArchive().withFile("00000002.history", "2\t0/5000000\tpromoted\n");

        assertThrows(RestoreRefusedException.class, () -> new ArchivedTimelines(archive).historyOf(new Timeline(2)));
    }
}
