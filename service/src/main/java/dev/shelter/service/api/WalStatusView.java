package dev.shelter.service.api;

import dev.shelter.runbooks.wal.WalArchiveInspection;
import dev.shelter.runbooks.wal.WalFileName;

import java.time.Instant;
import java.util.List;

/**
 * A cluster's WAL archive as the API shows it: what it holds per timeline and where it has gaps,
 * the receiver and how far it trails, and the window a point-in-time restore can reach.
 */
public record WalStatusView(String cluster, String format, String archive, String systemIdentifier, Integer incarnation,
                            List<TimelineView> timelines, String archiveProblem, ReceiverView receiver, WindowView recoverableWindow) {

    public record TimelineView(long timeline, String firstSegment, String lastSegment, int segments, List<String> gaps) {

        public static TimelineView of(WalArchiveInspection.TimelineRun run) {
            return new TimelineView(run.timeline().id(), text(run.first()), text(run.last()), run.segments(),
                    run.gaps().stream().map(WalFileName::value).toList());
        }

        private static String text(WalFileName name) {
            return name == null ? null : name.value();
        }
    }

    public record ReceiverView(String state, String slot, Long timeline, String server, String receivedLsn, String durableLsn, Instant durableAt,
                               String lastError, Instant sampledAt, String serverLsn, Long lagBytes, Long slotRetainedBytes,
                               Double rpoSeconds, String problem, String replica, String streamingReplica, Instant streamingSince,
                               Instant leaseExpiresAt) {
    }

    /** From the oldest completed backup's start to the newest durable WAL. */
    public record WindowView(String fromBackup, String fromLsn, Instant fromTime, String toLsn, Instant toTime) {
    }
}
