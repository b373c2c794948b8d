package dev.shelter.service.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** WAL segments as PostgreSQL 15 writes them, as far as the archive looks: a long page header, then content. */
public final class WalSegments {

    public static final long SEGMENT_BYTES = 16L << 20;

    private WalSegments() {
    }

    /** Segment {@code number} of {@code timeline} of system {@code systemIdentifier}, filled with a pattern of {@code seed}. */
    public static byte[] segment(long timeline, long number, long systemIdentifier, int seed) {
        ByteBuffer page = ByteBuffer.allocate((int) SEGMENT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        page.putShort(0, (short) 0xD110).putShort(2, (short) 0x0002).putInt(4, (int) timeline).putLong(8, number * SEGMENT_BYTES)
                .putLong(24, systemIdentifier).putInt(32, (int) SEGMENT_BYTES).putInt(36, 8192);
        for (int i = 8192; i < 1 << 20; i += 8) {
            page.putLong(i, seed * 31L + i / 8192); // compressible, like real WAL
        }
        return page.array();
    }

    public static String name(long timeline, long number) {
        return String.format("%08X%08X%08X", timeline, number / 256, number % 256);
    }
}
