package dev.shelter.runbooks.wal;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;

import java.util.Optional;

/**
 * An archive that a streaming receiver writes into: besides whole files (as archive_command stores
 * them), the segment in progress is kept as pieces, each holding what arrived since the last, so
 * that what the receiver confirmed to the server is durable before the segment is complete. The
 * archive also says where streaming resumes after a stop. Adapter: Shelter's layout.
 */
public interface WalStreamArchive extends WalArchive {

    /** Where a receiver picks up on a timeline: the next byte to stream, and the durable part of its segment. */
    record ResumePoint(Lsn position, byte[] segmentSoFar) {
    }

    /**
     * Writes bytes {@code from} to {@code to} of the segment being streamed, as one more piece;
     * {@code soFar} holds the segment from its start, at least up to {@code to}, and may be shorter
     * than the segment's {@code segmentBytes}.
     */
    void storeStreaming(SystemIdentifier systemIdentifier, WalFileName segment, long segmentBytes, byte[] soFar, int from, int to);

    /** Forgets the streamed pieces of a segment that is now archived whole. */
    void dropStreaming(WalFileName segment);

    /**
     * Archives whole every segment of {@code timeline} that exists only as a full set of streamed
     * pieces (a receiver that stopped between confirming a segment and archiving it whole); returns how many.
     */
    int completeStreamedSegments(Timeline timeline, long segmentBytes);

    /**
     * Where streaming resumes on {@code timeline}: at the first segment from {@code confirmed} on
     * (the slot's position: all before it is stored) that is not archived whole, inside it as far as
     * its pieces go. Without a position, or with one past every file, where the files end. Empty
     * when the timeline has no files.
     */
    Optional<ResumePoint> resumePoint(Timeline timeline, long segmentBytes, Optional<Lsn> confirmed);

    /** The newest timeline the archive is written on (whole segments or pieces), if any. */
    Optional<Timeline> newestTimeline();

    /**
     * Closes a timeline the cluster has left: segments complete as pieces are archived whole, and
     * the durable part of the one the timeline ended in is archived as {@code <segment>.partial}.
     * Returns how many files it archived.
     */
    int finishTimeline(Timeline timeline, long segmentBytes);

    @Override
    default Optional<WalStreamArchive> streaming() {
        return Optional.of(this);
    }
}
