package dev.shelter.runbooks.wal;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WalFileNameTest {

    private static final long MB16 = 16L * 1024 * 1024;

    @Test
    void readsEveryKindPostgresArchives() {
        assertEquals(WalFileName.Kind.SEGMENT, WalFileName.parse("000000010000000000000003").kind());
        assertEquals(WalFileName.Kind.PARTIAL, WalFileName.parse("00000001000000000000000A.partial").kind());
        assertEquals(WalFileName.Kind.BACKUP_HISTORY, WalFileName.parse("000000010000000000000002.00000028.backup").kind());
        WalFileName history = WalFileName.parse("0000000A.history");
        assertEquals(WalFileName.Kind.HISTORY, history.kind());
        assertEquals(new Timeline(10), history.timeline());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00000001000000000000000", "000000010000000000000003.", "000000010000000000000003/../x",
        "00000001000000000000000g", "000000000000000000000003", "../00000002.history", "00000002.HISTORY", "RECOVERYXLOG"})
    void refusesAnythingElse(String text) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> WalFileName.parse(text));
        assertTrue(refused.getMessage().contains("'" + text + "'"), refused.getMessage());
    }

    @Test
    void aSegmentNameGivesItsStartForTheSegmentSize() {
        assertEquals(Lsn.parse("0/3000000"), WalFileName.parse("000000010000000000000003").segmentStart(16L << 20));
        assertEquals(Lsn.parse("2/FF000000"), WalFileName.parse("0000000100000002000000FF").segmentStart(16L << 20));
        assertEquals(Lsn.parse("1/C0000000"), WalFileName.parse("000000020000000100000003").segmentStart(1L << 30));
        assertThrows(IllegalArgumentException.class, () -> WalFileName.parse("000000020000000100000004").segmentStart(1L << 30));
    }

    @Test
    void namesSegmentsAsPostgresDoes() {
        // pg_walfile_name('16/3002D50') on timeline 1 with 16 MB segments
        assertEquals("000000010000001600000003", WalFileName.containing(new Timeline(1), Lsn.parse("16/3002D50"), MB16).value());
        assertEquals("0000000A00000000000000FF", WalFileName.containing(new Timeline(10), Lsn.parse("0/FF000000"), MB16).value());
        assertEquals(WalFileName.parse("000000010000001600000003"), WalFileName.containing(new Timeline(1), Lsn.parse("16/3002D50"), MB16));
    }

    @Test
    void otherSegmentSizesSplitLogAndSegDifferently() {
        // 64 MB segments: 64 per 4 GB "log id"
        long mb64 = 64L * 1024 * 1024;
        assertEquals("000000010000000100000002", WalFileName.containing(new Timeline(1), Lsn.parse("1/8000000"), mb64).value());
    }

    @Test
    void aStopOnASegmentBoundaryNeedsOnlyTheSegmentBefore() {
        assertEquals("000000010000000000000002", WalFileName.lastNeededBefore(new Timeline(1), Lsn.parse("0/3000000"), MB16).value());
        assertEquals("000000010000000000000003", WalFileName.lastNeededBefore(new Timeline(1), Lsn.parse("0/3000100"), MB16).value());
    }

    @Test
    void refusesImpossibleSegmentSizes() {
        assertThrows(IllegalArgumentException.class, () -> WalFileName.segment(new Timeline(1), 1, 3 * 1024 * 1024));
        assertThrows(IllegalArgumentException.class, () -> WalFileName.parse("000000010000000000000003").segmentStart(0));
    }

    @Test
    void segmentNumbersRunAcrossTheLogIdBoundary() {
        WalFileName last = WalFileName.parse("0000000100000000000000FF");
        assertEquals(255, last.segmentNumber(MB16));
        assertEquals(WalFileName.parse("000000010000000100000000"), last.nextSegment(MB16));
        assertEquals(WalFileName.segment(new Timeline(1), 256, MB16), last.nextSegment(MB16));
    }
}
