package dev.shelter.runbooks.backup;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WalSegmentNameTest {

    private static final long MB16 = 16L * 1024 * 1024;

    @Test
    void namesSegmentsAsPostgresDoes() {
        // pg_walfile_name('16/3002D50') on timeline 1 with 16 MB segments
        assertEquals("000000010000001600000003", WalSegmentName.containing(new Timeline(1), Lsn.parse("16/3002D50"), MB16).fileName());
        assertEquals("0000000A00000000000000FF", WalSegmentName.containing(new Timeline(10), Lsn.parse("0/FF000000"), MB16).fileName());
    }

    @Test
    void otherSegmentSizesSplitLogAndSegDifferently() {
        // 64 MB segments: 64 per 4 GB "log id"
        assertEquals("000000010000000100000002", WalSegmentName.containing(new Timeline(1), Lsn.parse("1/8000000"), 64L * 1024 * 1024).fileName());
    }

    @Test
    void aStopOnASegmentBoundaryNeedsOnlyTheSegmentBefore() {
        assertEquals("000000010000000000000002", WalSegmentName.lastNeededBefore(new Timeline(1), Lsn.parse("0/3000000"), MB16).fileName());
        assertEquals("000000010000000000000003", WalSegmentName.lastNeededBefore(new Timeline(1), Lsn.parse("0/3000100"), MB16).fileName());
    }

    @Test
    void refusesImpossibleSegmentSizes() {
        assertThrows(IllegalArgumentException.class, () -> new WalSegmentName(new Timeline(1), 1, 3 * 1024 * 1024));
    }
}
