package dev.shelter.service.api;

import java.time.Instant;
import java.util.List;

/**
 * A cluster's WAL archive as the API shows it: what it holds per timeline and where it has gaps,
 * the receiver and how far it trails, and the window a point-in-time restore can reach.
 */
public record WalStatusView(String cluster, String format, String archive, String systemIdentifier, Integer incarnation,
                            List<TimelineView> timelines, String archiveProblem, ReceiverView receiver, WindowView recoverableWindow) {

    public record TimelineView(long timeline, String firstSegment, String lastSegment, int segments, List<String> gaps) {
    }

    public record ReceiverView(String state, String slot, Long timeline, String server, String receivedLsn, String durableLsn, Instant durableAt,
                               String lastError, Instant sampledAt, String serverLsn, Long lagBytes, Long slotRetainedBytes,
                               Double rpoSeconds, String problem) {
    }

    /** From the oldest completed backup's start to the newest durable WAL. */
    public record WindowView(String fromBackup, String fromLsn, Instant fromTime, String toLsn, Instant toTime) {
    }
}
