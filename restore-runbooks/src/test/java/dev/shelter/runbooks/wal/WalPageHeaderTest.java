package dev.shelter.runbooks.wal;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WalPageHeaderTest {

    private static final long SEGMENT = 16L << 20;

    /** The first bytes of a segment as PostgreSQL 15 writes them. */
    static byte[] segmentStart(long timeline, long pageAddress, long systemIdentifier) {
        ByteBuffer page = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        page.putShort(0, (short) 0xD110).putShort(2, (short) 0x0002).putInt(4, (int) timeline).putLong(8, pageAddress)
                .putLong(24, systemIdentifier).putInt(32, (int) SEGMENT).putInt(36, 8192);
        return page.array();
    }

    @Test
    void readsTheLongHeader() {
        WalPageHeader header = WalPageHeader.parse(segmentStart(2, 0x3000000L, -3L));
        assertEquals(0xD110, header.magic());
        assertEquals(new Timeline(2), header.timeline());
        assertEquals(Lsn.parse("0/3000000"), header.pageAddress());
        assertEquals(SystemIdentifier.parse(Long.toUnsignedString(-3L)), header.systemIdentifier());
        assertEquals(SEGMENT, header.segmentBytes());
        assertEquals(8192, header.blockBytes());
    }

    @Test
    void refusesContentThatIsNotTheNamedSegment() {
        WalPageHeader header = WalPageHeader.parse(segmentStart(2, 0x3000000L, 42));
        header.requireMatches(WalFileName.parse("000000020000000000000003"), SEGMENT);
        assertRefused(header, "000000010000000000000003", SEGMENT, "timeline 2");
        assertRefused(header, "000000020000000000000004", SEGMENT, "starting at 0/3000000");
        assertRefused(header, "000000020000000000000003", SEGMENT - 1, "bytes");
        assertThrows(IllegalArgumentException.class, () -> WalPageHeader.parse(new byte[8192]), "no long header");
        assertThrows(IllegalArgumentException.class, () -> WalPageHeader.parse(new byte[12]));
    }

    @Test
    void theFirstSegmentOfANewTimelineMayCarryItsParentsHeader() {
        // After a promotion at 0/3000148, 000000030000000000000003 begins as a copy of timeline 2's segment.
        WalPageHeader header = WalPageHeader.parse(segmentStart(2, 0x3000000L, 42));
        header.requireMatches(WalFileName.parse("000000030000000000000003"), SEGMENT);
        header.requireMatches(WalFileName.parse("000000020000000000000003.partial"), SEGMENT);
    }

    private static void assertRefused(WalPageHeader header, String name, long bytes, String reason) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> header.requireMatches(WalFileName.parse(name), bytes));
        assertTrue(refused.getMessage().contains(reason), refused.getMessage());
    }
}
