package dev.shelter.runbooks.wal;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimelineHistoryTest {

    /** As PostgreSQL 15 writes 00000003.history after two promotions. */
    private static final String THIRD = "1\t0/3000148\tno recovery target specified\n\n"
            + "2\t0/50000A0\tat restore point \"before\"\n";

    private final TimelineHistory third = TimelineHistory.parse(new Timeline(3), THIRD.getBytes(StandardCharsets.US_ASCII));

    @Test
    void readsEachAncestorWithWhereItEnded() {
        assertEquals(List.of(new TimelineHistory.Switch(new Timeline(1), Lsn.parse("0/3000148")),
                new TimelineHistory.Switch(new Timeline(2), Lsn.parse("0/50000A0"))), third.ancestors());
        assertEquals(Optional.of(Lsn.parse("0/50000A0")), third.endOf(new Timeline(2)));
        assertEquals(Optional.empty(), third.endOf(new Timeline(3)));
        assertEquals("00000003.history", third.fileName().value());
    }

    @Test
    void eachTimelineStartsWhereItsParentEnded() {
        assertEquals(new Lsn(0), third.startOf(new Timeline(1)));
        assertEquals(Lsn.parse("0/3000148"), third.startOf(new Timeline(2)));
        assertEquals(Lsn.parse("0/50000A0"), third.startOf(new Timeline(3)));
        assertThrows(IllegalArgumentException.class, () -> third.startOf(new Timeline(4)));
    }

    @Test
    void walksFromAnAncestorToTheTimelineItself() {
        assertEquals(List.of(new Timeline(2), new Timeline(3)), third.pathFrom(new Timeline(2)));
        assertEquals(List.of(new Timeline(1), new Timeline(2), new Timeline(3)), third.pathFrom(new Timeline(1)));
        assertEquals(List.of(new Timeline(3)), third.pathFrom(new Timeline(3)));
    }

    @Test
    void aTimelineOffTheBranchIsNotAnAncestor() {
        TimelineHistory branch = TimelineHistory.parse(new Timeline(4), "1\t0/3000148\tx\n3\t0/6000000\ty\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(branch.descendsFrom(new Timeline(3)));
        assertFalse(branch.descendsFrom(new Timeline(2)), "timeline 2 was a branch that timeline 4 does not continue");
        assertThrows(IllegalArgumentException.class, () -> branch.pathFrom(new Timeline(2)));
    }

    @Test
    void refusesWhatIsNotAHistory() {
        assertThrows(IllegalArgumentException.class, () -> TimelineHistory.parse(new Timeline(2), "one\t0/1\tx\n".getBytes()));
        assertThrows(IllegalArgumentException.class, () -> TimelineHistory.parse(new Timeline(2), "1\n".getBytes()));
        assertThrows(IllegalArgumentException.class, () -> TimelineHistory.parse(new Timeline(2), "2\t0/1\tx\n".getBytes()),
                "a timeline cannot descend from itself");
        assertThrows(IllegalArgumentException.class, () -> TimelineHistory.parse(new Timeline(3),
                "2\t0/5000000\tx\n1\t0/3000000\ty\n".getBytes()), "ancestors come oldest first");
    }
}
