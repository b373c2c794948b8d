package dev.shelter.service.core;

import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.runbooks.wal.WalArchiveInspection;
import dev.shelter.runbooks.wal.WalFileName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * restore_command's reads, ahead of PostgreSQL: when a restored server fetches a segment, the next
 * {@code depth} segments of its timeline are fetched in the background, {@code executor} bounding
 * how many at once, so that replay does not wait for the object store one segment at a time.
 *
 * <p>Only segments the archive holds whole are read ahead, never the streamed part of the one being
 * written: a segment served early must be the one served late. A segment not yet archived is
 * simply asked for again when PostgreSQL asks. Each entry is keyed by the archive's incarnation at
 * the time, so an incarnation begun or abandoned meanwhile makes it unused. Entries not asked for
 * within {@code unusedFor} are dropped; at most {@code depth} per cluster are ahead at any time, so
 * memory stays at about depth × segment size per restoring cluster.
 */
public final class WalReadAhead {

    private static final Logger LOG = LoggerFactory.getLogger(WalReadAhead.class);

    private record Key(ClusterName cluster, int incarnation, String file) {
    }

    private record Entry(CompletableFuture<Optional<byte[]>> content, Instant scheduledAt) {
    }

    private final int depth;
    private final Executor executor;
    private final Duration unusedFor;
    private final Clock clock;
    private final Map<Key, Entry> ahead = new ConcurrentHashMap<>();

    public WalReadAhead(int depth, Executor executor, Duration unusedFor, Clock clock) {
        if (depth < 0) {
            throw new IllegalArgumentException("read-ahead depth must be 0 or more, not " + depth);
        }
        this.depth = depth;
        this.executor = Objects.requireNonNull(executor, "executor");
        this.unusedFor = Objects.requireNonNull(unusedFor, "unusedFor");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The file as {@link WalArchive#fetch} gives it, from what was read ahead where possible; then reads on ahead of it. */
    public Optional<byte[]> fetch(ClusterName cluster, WalArchive archive, WalFileName name) {
        if (depth == 0 || name.kind() != WalFileName.Kind.SEGMENT) {
            return archive.fetch(name);
        }
        int incarnation = incarnationOf(archive);
        dropUnused();
        Optional<byte[]> content = readAhead(new Key(cluster, incarnation, name.value())).or(() -> archive.fetch(name));
        content.ifPresent(bytes -> scheduleAfter(cluster, archive, incarnation, name, bytes.length));
        return content;
    }

    /** How many segments are read ahead now (all clusters): for tests and metrics. */
    public int aheadCount() {
        return ahead.size();
    }

    private Optional<byte[]> readAhead(Key key) {
        Entry entry = ahead.remove(key);
        if (entry == null) {
            return Optional.empty();
        }
        try {
            return entry.content().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException e) {
            LOG.debug("reading {} ahead failed ({}); reading it now", key.file(), e.getCause().toString());
            return Optional.empty();
        }
    }

    private void scheduleAfter(ClusterName cluster, WalArchive archive, int incarnation, WalFileName served, long segmentBytes) {
        if (Long.bitCount(segmentBytes) != 1 || segmentBytes < (1 << 20)) {
            return; // not a segment's size: nothing to read ahead of
        }
        WalFileName next = served;
        for (int i = 0; i < depth; i++) {
            next = next.nextSegment(segmentBytes);
            Key key = new Key(cluster, incarnation, next.value());
            WalFileName segment = next;
            try {
                ahead.computeIfAbsent(key, k -> new Entry(CompletableFuture.supplyAsync(() -> readWhole(archive, segment, segmentBytes),
                        executor), clock.instant()));
            } catch (RejectedExecutionException e) {
                return; // Shelter is stopping: what was asked for is served, nothing more is read
            }
        }
    }

    private static Optional<byte[]> readWhole(WalArchive archive, WalFileName segment, long segmentBytes) {
        if (!archive.containsSegment(segment, segmentBytes)) {
            return Optional.empty();
        }
        return archive.fetch(segment).filter(bytes -> bytes.length == segmentBytes);
    }

    private void dropUnused() {
        Instant before = clock.instant().minus(unusedFor);
        ahead.entrySet().removeIf(entry -> entry.getValue().scheduledAt().isBefore(before));
    }

    private static int incarnationOf(WalArchive archive) {
        return archive.inspection().flatMap(WalArchiveInspection::currentIncarnation).map(WalArchiveInspection.Incarnation::number)
                .orElse(0);
    }
}
