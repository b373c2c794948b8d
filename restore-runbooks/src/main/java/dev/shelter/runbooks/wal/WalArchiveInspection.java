package dev.shelter.runbooks.wal;

import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What an archive can tell about itself beyond single files: which system it belongs to, its
 * incarnations (a restore that promotes begins a new one, so the new history never meets the old
 * one's names), and per timeline whether the WAL it holds is continuous. Adapter: Shelter's layout.
 */
public interface WalArchiveInspection {

    /** An incarnation of the archive: WAL is written to the newest, and read from it first, then from older ones. */
    record Incarnation(SystemIdentifier system, int number, Instant createdAt) {
    }

    /**
     * The whole segments of one timeline in the current incarnation, from {@code first} to {@code last}
     * (null when it holds none), and the files missing for the WAL to be continuous.
     */
    record TimelineRun(Timeline timeline, WalFileName first, WalFileName last, int segments, List<WalFileName> gaps) {

        public TimelineRun {
            gaps = List.copyOf(gaps);
        }
    }

    /** The incarnation written to now; empty before the first file arrives. */
    Optional<Incarnation> currentIncarnation();

    /**
     * Per timeline of the current incarnation: its first and last whole segment and the files
     * missing, across timeline switches as the newest timeline's archived history tells them (a
     * missing history file is a gap too). Empty before the first segment.
     */
    List<TimelineRun> continuity();

    /**
     * Starts a new incarnation: from now on WAL is written under it, and the older ones are only
     * read. A restore that promotes calls this before its cluster starts. Returns its number.
     */
    int beginIncarnation();

    /**
     * Abandons incarnation {@code number}: its WAL stays, for a post-mortem, but is never read again
     * (restore_command, timelines), and if it was current, writes go to a new incarnation. For a
     * restore that promoted and was then swapped back. Nothing if it is abandoned or unknown.
     */
    void abandonIncarnation(int number, String reason);
}
