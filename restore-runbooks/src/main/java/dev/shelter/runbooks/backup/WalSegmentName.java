package dev.shelter.runbooks.backup;

/**
 * A WAL segment file name, e.g. 000000010000000000000003: timeline, then the segment number split
 * in "log" and "seg" parts as PostgreSQL does for its configured segment size.
 */
public record WalSegmentName(Timeline timeline, long segmentNumber, long segmentBytes) {

    public WalSegmentName {
        if (Long.bitCount(segmentBytes) != 1 || segmentBytes < 1024 * 1024 || segmentBytes > 1024L * 1024 * 1024) {
            throw new IllegalArgumentException("WAL segment size " + segmentBytes + " is not a power of two from 1 MB to 1 GB");
        }
    }

    /** The segment holding the byte at {@code lsn}. */
    public static WalSegmentName containing(Timeline timeline, Lsn lsn, long segmentBytes) {
        return new WalSegmentName(timeline, Long.divideUnsigned(lsn.value(), segmentBytes), segmentBytes);
    }

    /**
     * The last segment a backup needs: the one holding the byte just before its stop LSN. A stop LSN
     * exactly on a segment boundary needs nothing of the next segment (PostgreSQL's XLByteToPrevSeg).
     */
    public static WalSegmentName lastNeededBefore(Timeline timeline, Lsn stop, long segmentBytes) {
        return new WalSegmentName(timeline, Long.divideUnsigned(stop.value() - 1, segmentBytes), segmentBytes);
    }

    public String fileName() {
        long segmentsPerLogId = Long.divideUnsigned(0x100000000L, segmentBytes);
        return String.format("%s%08X%08X", timeline.hex(), segmentNumber / segmentsPerLogId, segmentNumber % segmentsPerLogId);
    }

    @Override
    public String toString() {
        return fileName();
    }
}
