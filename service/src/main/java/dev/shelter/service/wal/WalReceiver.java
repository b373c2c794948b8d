package dev.shelter.service.wal;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.wal.TimelineHistory;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.runbooks.wal.WalStreamArchive;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Streams a cluster's WAL into its archive through a permanent physical slot (DESIGN.md section 3,
 * rule 8). Whole segments are archived as they complete, up to {@code parallelUploads} at once
 * while catching up, and confirmed in stream order only; what arrived of the segment in progress
 * is written every {@code flushInterval} as one more piece, so the durable position trails the
 * server by about that much. A piece is written only once every segment before it is stored, so
 * the archive's pieces never sit after a hole. While catching up (more than {@link #CATCHING_UP_BYTES} per interval)
 * segments complete on their own and the pieces would only add requests, so they are written
 * every {@link #BUSY_FLUSH_INTERVALS} intervals. The server
 * hears a position only once the store holds the bytes up to it, so the slot keeps everything
 * the archive does not have yet, and a receiver that dies loses nothing: it resumes from the
 * archive. One thread runs it, reconnecting with a backoff after any failure, to whichever server
 * is the primary then. After a promotion it archives the new timeline's history, streams the old
 * timeline's tail from the new primary up to the switch point, and follows the new timeline.
 */
public final class WalReceiver implements Runnable {

    /** What the receiver is doing, for the API and metrics; STANDBY: another replica holds its lease. */
    public enum State { STARTING, STREAMING, RETRYING, STOPPED, STANDBY }

    /** A snapshot of the receiver, safe to read from any thread. */
    public record Status(State state, String slot, Timeline timeline, String server, Lsn received, Lsn durable, Instant durableAt,
                         String lastError) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(WalReceiver.class);
    private static final Duration READ_WAIT = Duration.ofMillis(20);
    /** Arriving faster than this per interval means catching up: segments complete on their own soon. */
    private static final int CATCHING_UP_BYTES = 8 * 1024 * 1024;
    /** ... but the segment in progress is still written at least this often (in intervals). */
    private static final int BUSY_FLUSH_INTERVALS = 5;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final String cluster;
    private final String slot;
    private final WalStreamSource source;
    private final WalStreamArchive archive;
    private final Duration flushInterval;
    private final int parallelUploads;
    private final Semaphore uploadMemory;
    private final Clock clock;
    private volatile Status status;
    private volatile boolean stopping;
    /** Whether the log has said that this catch-up stores segments side by side; once per catch-up. */
    private boolean catchingUpSaid;

    /**
     * {@code uploadMemory}: permits, shared by all receivers, for the segments held by uploads in
     * flight (one each); see {@link #segmentsThatFit}.
     */
    public WalReceiver(String cluster, String slot, WalStreamSource source, WalStreamArchive archive, Duration flushInterval,
                       int parallelUploads, Semaphore uploadMemory, Clock clock) {
        this.cluster = cluster;
        this.slot = slot;
        this.source = source;
        this.archive = archive;
        this.flushInterval = flushInterval;
        this.parallelUploads = parallelUploads;
        this.uploadMemory = uploadMemory;
        this.clock = clock;
        this.status = new Status(State.STARTING, slot, null, null, null, null, null, null);
    }

    /**
     * How many segments in flight fit in a quarter of the heap (at least 2): the default shared
     * budget. One costs 32 MiB while it is compressed: its 16 MiB and zstd's output buffer.
     */
    public static int segmentsThatFit(long maxHeapBytes) {
        return (int) Math.max(2, Math.min(Integer.MAX_VALUE, maxHeapBytes / 4 / (32L * 1024 * 1024)));
    }

    public Status status() {
        return status;
    }

    /** Asks the loop to end; it does within about a read's wait. */
    public void stop() {
        stopping = true;
    }

    @Override
    public void run() {
        Duration backoff = Duration.ofMillis(500);
        while (!stopping && !Thread.currentThread().isInterrupted()) {
            try {
                streamUntilStopped();
            } catch (RuntimeException | OutOfMemoryError e) {
                // Out of memory (many clusters catching up at once) is a reason to wait and try again, as a
                // store that is down is: a receiver thread that died of it would leave its cluster unprotected.
                if (stopping) {
                    break;
                }
                String why = e instanceof OutOfMemoryError ? "out of memory: " + e.getMessage() : e.getMessage();
                LOG.warn("WAL receiver of {} failed; retrying in {} ms: {}", cluster, backoff.toMillis(), why);
                status = new Status(State.RETRYING, slot, status.timeline(), status.server(), status.received(), status.durable(),
                        status.durableAt(), why);
                if (!pause(backoff)) {
                    break;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                continue;
            }
            backoff = Duration.ofMillis(500);
        }
        status = new Status(State.STOPPED, slot, status.timeline(), status.server(), status.received(), status.durable(),
                status.durableAt(), status.lastError());
    }

    /**
     * One stretch of one timeline to stream: from {@code start}, and, for a timeline the server has
     * left, up to where it ended.
     */
    private record Leg(Timeline timeline, Segment start, Optional<Lsn> until) {
    }

    private void streamUntilStopped() {
        WalStreamSource.Identity server = source.identify();
        Optional<Lsn> retainedFrom = source.ensureSlot(slot);
        TimelineHistory history = archiveHistories(server);
        List<Leg> legs = planLegs(server, history, retainedFrom);
        // Archiving a completed segment whole happens off the stream's path: its bytes are durable as
        // pieces already. A full queue makes the receiver do it itself, which bounds the memory held.
        ThreadPoolExecutor finisher = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(4),
                task -> new Thread(task, "wal-finisher-" + cluster), new ThreadPoolExecutor.CallerRunsPolicy());
        try (SegmentUploads uploads = new SegmentUploads(cluster, parallelUploads, uploadMemory)) {
            for (Leg leg : legs) {
                if (stopping) {
                    return;
                }
                LOG.info("WAL receiver of {} streams timeline {} from {}{} on {} through slot {}", cluster, leg.timeline(),
                        leg.start().position(), leg.until().map(end -> " to its end at " + end).orElse(""), server.server(), slot);
                stream(server, leg, finisher, uploads);
            }
        } finally {
            finisher.shutdown();
            try {
                finisher.awaitTermination(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Archives the history file of the server's timeline and of each ancestor after the first (recovery
     * finds the newest timeline by walking them one by one), and returns the server's history.
     */
    private TimelineHistory archiveHistories(WalStreamSource.Identity server) {
        if (server.timeline().id() == 1) {
            return TimelineHistory.first();
        }
        byte[] content = source.timelineHistory(server.timeline()).orElseThrow(() -> new IllegalStateException(server.server()
                + " is on timeline " + server.timeline() + " but has no history file for it"));
        TimelineHistory history = TimelineHistory.parse(server.timeline(), content);
        archive.store(history.fileName(), content, server::systemIdentifier);
        for (TimelineHistory.Switch ancestor : history.ancestors()) {
            WalFileName name = WalFileName.parse(ancestor.from().hex() + ".history");
            if (ancestor.from().id() > 1 && !archive.contains(name)) {
                source.timelineHistory(ancestor.from()).ifPresentOrElse(bytes -> archive.store(name, bytes, server::systemIdentifier),
                        () -> LOG.warn("{} has no history file of timeline {}: recovery cannot walk past it", server.server(),
                                ancestor.from()));
            }
        }
        return history;
    }

    /**
     * From where the archive ends to the server's current timeline. The newest archived timeline
     * resumes at the first byte missing after the slot's position; if the server has left it, it is streamed to its end
     * (that tail may exist only on the new primary now) and closed; each later timeline is streamed
     * from the start of the segment it began in, which it holds as a copy of its parent's.
     */
    private List<Leg> planLegs(WalStreamSource.Identity server, TimelineHistory history, Optional<Lsn> retainedFrom) {
        long size = server.segmentBytes();
        Optional<Timeline> archived = archive.newestTimeline();
        if (archived.isEmpty()) {
            Lsn from = retainedFrom.filter(lsn -> lsn.compareTo(server.flushed()) <= 0).orElse(server.flushed());
            return List.of(new Leg(server.timeline(), new Segment(WalFileName.containing(server.timeline(), from, size), size),
                    Optional.empty()));
        }
        Timeline newest = archived.get();
        if (newest.id() > server.timeline().id() || !history.descendsFrom(newest)) {
            throw new IllegalStateException("the archive (" + archive.describe() + ") holds timeline " + newest + ", which the history of "
                    + server.server() + " (timeline " + server.timeline() + ") does not continue: this cluster was restored or "
                    + "re-seeded without a new archive incarnation, and its WAL must not mix with the old history's");
        }
        List<Leg> legs = new ArrayList<>();
        for (Timeline timeline : history.pathFrom(newest)) {
            Optional<Lsn> end = history.endOf(timeline);
            Segment start = timeline.equals(newest) ? resumeSegment(timeline, size, retainedFrom)
                    : new Segment(WalFileName.containing(timeline, history.startOf(timeline), size), size);
            if (end.isPresent() && start.position().compareTo(end.get()) >= 0) {
                closeTimeline(timeline, size); // the archive holds it to its end, maybe beyond what the new primary got
                continue;
            }
            legs.add(new Leg(timeline, start, end));
        }
        return legs;
    }

    /**
     * Where the archive's durable bytes of {@code timeline} stop running on from the slot's
     * position (everything before that position was confirmed, so it is stored), with the segment
     * they stop in loaded. Parallel uploads may have stored later segments than a failed one: the
     * failed one is where streaming resumes.
     */
    private Segment resumeSegment(Timeline timeline, long size, Optional<Lsn> retainedFrom) {
        int completed = archive.completeStreamedSegments(timeline, size);
        if (completed > 0) {
            LOG.info("WAL receiver of {} archived whole {} segment(s) it had confirmed from their pieces", cluster, completed);
        }
        WalStreamArchive.ResumePoint resume = archive.resumePoint(timeline, size, retainedFrom).orElseThrow(() -> new IllegalStateException(
                "timeline " + timeline + " has files in the archive but no segment to resume from"));
        Segment segment = new Segment(WalFileName.containing(timeline, resume.position(), size), size);
        if (resume.position().value() % size != 0) {
            segment.preload(resume.segmentSoFar());
        }
        return segment;
    }

    private void closeTimeline(Timeline timeline, long size) {
        int archived = archive.finishTimeline(timeline, size);
        if (archived > 0) {
            LOG.info("WAL receiver of {} closed timeline {}: {} file(s) archived from its pieces", cluster, timeline, archived);
        }
    }

    private void stream(WalStreamSource.Identity server, Leg leg, ThreadPoolExecutor finisher, SegmentUploads uploads) {
        Segment segment = leg.start();
        try (WalStreamSource.WalStream stream = source.start(slot, leg.timeline(), segment.position())) {
            streamLeg(server, leg, segment, stream, finisher, uploads);
        }
    }

    /** Streams {@code leg} from {@code first} until it ends or the receiver stops. */
    private void streamLeg(WalStreamSource.Identity server, Leg leg, Segment first, WalStreamSource.WalStream stream,
                           ThreadPoolExecutor finisher, SegmentUploads uploads) {
        Segment segment = first;
        try {
            status = new Status(State.STREAMING, slot, leg.timeline(), server.server(), segment.position(), segment.position(),
                    clock.instant(), null);
            Instant lastFlush = clock.instant();
            int flushedLength = segment.length;
            while (!stopping) {
                if (leg.until().isPresent() && segment.position().compareTo(leg.until().get()) >= 0) {
                    // The timeline's last byte: never read on (the server waits for a command after it).
                    awaitUploads(uploads, stream, leg.timeline(), server.server());
                    if (segment.length > flushedLength) {
                        storePiece(server, segment, flushedLength);
                        confirm(stream, segment.position(), leg.timeline(), server.server());
                    }
                    closeTimeline(leg.timeline(), server.segmentBytes());
                    return;
                }
                Optional<WalStreamSource.WalStream.Chunk> chunk = stream.read(READ_WAIT);
                if (chunk.isPresent()) {
                    ByteBuffer bytes = chunk.get().bytes();
                    long at = chunk.get().start().value();
                    while (bytes.hasRemaining()) {
                        if (segment.isFull()) {
                            makeRoom(segment, flushedLength);
                        }
                        at += segment.append(at, bytes);
                        if (segment.isWhole()) {
                            completeSegment(server, leg.timeline(), segment, flushedLength, stream, finisher, uploads);
                            segment = segment.next();
                            flushedLength = 0;
                            lastFlush = clock.instant();
                        }
                    }
                    status = new Status(State.STREAMING, slot, leg.timeline(), server.server(), new Lsn(at), status.durable(),
                            status.durableAt(), null);
                }
                uploads.completed().ifPresent(durable -> confirm(stream, durable, leg.timeline(), server.server()));
                Duration sinceDurable = Duration.between(lastFlush, clock.instant());
                boolean catchingUp = segment.length - flushedLength > CATCHING_UP_BYTES;
                boolean flushDue = catchingUp ? sinceDurable.compareTo(flushInterval.multipliedBy(BUSY_FLUSH_INTERVALS)) >= 0
                        : sinceDurable.compareTo(flushInterval) >= 0;
                if (segment.length > flushedLength && flushDue) {
                    awaitUploads(uploads, stream, leg.timeline(), server.server());
                    storePiece(server, segment, flushedLength);
                    flushedLength = segment.length;
                    lastFlush = clock.instant();
                    confirm(stream, segment.position(), leg.timeline(), server.server());
                }
            }
        } finally {
            releasePermit(segment); // stopped or failed while the segment held one
        }
    }

    /**
     * Gives the segment more room. One that outgrows its first buffer before any of it was written
     * as a piece is arriving faster than pieces are written, as when catching up: it takes a permit of
     * the shared budget first (waiting for one, while the slot keeps the WAL) and its full size at once,
     * so that many clusters catching up hold no more whole segments than the heap can. One already
     * written in pieces (a trickle) grows by doubling and is not counted: it costs one segment per cluster at most.
     */
    private void makeRoom(Segment segment, int flushedLength) {
        if (flushedLength == 0 && !segment.budgeted) {
            acquireUploadMemory(segment.name);
            segment.budgeted = true;
        }
        segment.grow(segment.budgeted);
    }

    /** Writes what arrived since {@code flushedLength} as one more piece; a segment with pieces no longer counts against the budget. */
    private void storePiece(WalStreamSource.Identity server, Segment segment, int flushedLength) {
        archive.storeStreaming(server.systemIdentifier(), segment.name, segment.size, segment.bytes, flushedLength, segment.length);
        releasePermit(segment);
    }

    private void releasePermit(Segment segment) {
        if (segment.budgeted) {
            segment.budgeted = false;
            uploadMemory.release();
        }
    }

    /**
     * A segment that arrived in one go (catching up) is uploaded whole beside the others, and
     * confirmed once it and all before it are stored. One streamed in pieces gets its last piece, is
     * confirmed at once, and is archived whole in the background: its pieces hold it meanwhile.
     */
    private void completeSegment(WalStreamSource.Identity server, Timeline timeline, Segment segment, int flushedLength,
                                 WalStreamSource.WalStream stream, ThreadPoolExecutor finisher, SegmentUploads uploads) {
        WalFileName name = segment.name;
        // The segment lets go of its buffer once stored from: the upload or the finisher holds it then,
        // and the leg that began with this segment must not keep 16 MiB alive for as long as it streams.
        if (flushedLength == 0) {
            byte[] whole = segment.handOver();
            boolean dropPieces = segment.mayHavePieces;
            boolean permitHeld = segment.budgeted;
            segment.budgeted = false; // the upload owns it now
            uploads.submit(segment.position(), permitHeld, () -> {
                archive.store(name, whole, server::systemIdentifier);
                if (dropPieces) {
                    archive.dropStreaming(name);
                }
            }).ifPresent(durable -> confirm(stream, durable, timeline, server.server()));
            if (uploads.inFlight() > 1 && !catchingUpSaid) {
                catchingUpSaid = true;
                LOG.info("WAL receiver of {} catches up on timeline {}: {} segments are being stored at once", cluster, timeline,
                        uploads.inFlight());
            }
            return;
        }
        awaitUploads(uploads, stream, timeline, server.server());
        catchingUpSaid = false;
        if (flushedLength < segment.length) {
            storePiece(server, segment, flushedLength);
        }
        confirm(stream, segment.position(), timeline, server.server());
        byte[] whole = segment.handOver();
        // The finisher, not the receiver, waits for the budget: with many clusters crossing a segment
        // boundary at once, a receiver that waited here would stop reading its stream for seconds.
        finisher.execute(() -> {
            try {
                acquireUploadMemory(name);
            } catch (IllegalStateException stopped) {
                LOG.info("{} is left in pieces (the next start archives it whole): {}", name, stopped.getMessage());
                return;
            }
            try {
                archive.store(name, whole, server::systemIdentifier);
                archive.dropStreaming(name);
            } catch (RuntimeException | OutOfMemoryError e) {
                LOG.warn("cannot archive {} whole yet (its pieces hold it; the next start does it): {}", name, e.getMessage());
            } finally {
                uploadMemory.release();
            }
        });
    }

    /**
     * Takes a permit of the shared budget for a segment in memory, waiting as long as it takes: a
     * receiver told to stop gives up instead.
     */
    private void acquireUploadMemory(WalFileName name) {
        try {
            while (!uploadMemory.tryAcquire(READ_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                if (stopping) {
                    throw new IllegalStateException("stopped while " + name + " waited for memory");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + name + " waited for memory", e);
        }
    }

    /** Waits until every whole segment in flight is stored and confirms them: a piece must never sit after a hole. */
    private void awaitUploads(SegmentUploads uploads, WalStreamSource.WalStream stream, Timeline timeline, String server) {
        uploads.awaitAll().ifPresent(durable -> confirm(stream, durable, timeline, server));
    }

    private void confirm(WalStreamSource.WalStream stream, Lsn durable, Timeline timeline, String server) {
        stream.confirmDurable(durable);
        status = new Status(State.STREAMING, slot, timeline, server, status.received(), durable, clock.instant(), null);
    }

    private static boolean pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The segment being assembled: its bytes so far, which arrive in order and without holes, in a
     * buffer that starts small (an idle or quiet cluster holds little) and grows as bytes arrive.
     */
    static final class Segment {

        /** The first buffer, at most: many times what a quiet cluster writes between two pieces. */
        private static final int FIRST_BUFFER = 1024 * 1024;

        private final WalFileName name;
        private final long start;
        private final int size;
        private byte[] bytes;
        /**
         * Only a leg's first segment can have pieces in the archive from an earlier run: pieces
         * are written after everything before them is stored, so none lie beyond where a run resumes.
         */
        private final boolean mayHavePieces;
        private int length;
        /** Whether it holds a permit of the receivers' shared memory budget (see {@code makeRoom}). */
        private boolean budgeted;

        Segment(WalFileName name, long size) {
            this(name, size, true);
        }

        private Segment(WalFileName name, long size, boolean mayHavePieces) {
            this.name = name;
            this.start = name.segmentStart(size).value();
            this.size = Math.toIntExact(size);
            this.bytes = new byte[firstBuffer(this.size)];
            this.mayHavePieces = mayHavePieces;
        }

        /** A sixteenth of the segment, at most {@link #FIRST_BUFFER}: 1 MiB of PostgreSQL's 16 MiB default. */
        static int firstBuffer(int segmentBytes) {
            return Math.min(segmentBytes / 16, FIRST_BUFFER);
        }

        void preload(byte[] soFar) {
            if (soFar.length > bytes.length) {
                bytes = new byte[Math.min(size, Math.max(soFar.length, 2 * bytes.length))];
            }
            System.arraycopy(soFar, 0, bytes, 0, soFar.length);
            length = soFar.length;
        }

        /**
         * Takes what of {@code data} (which starts at {@code at}) belongs here and fits in the buffer;
         * returns how many bytes it consumed.
         */
        int append(long at, ByteBuffer data) {
            long offset = at - start;
            if (offset < 0 || offset > length) {
                throw new IllegalStateException("WAL from " + new Lsn(at) + " leaves a hole after " + position() + " in " + name);
            }
            int skip = (int) Math.min(length - offset, data.remaining()); // bytes already held, sent again after a resume
            data.position(data.position() + skip);
            int take = Math.min(data.remaining(), bytes.length - length);
            data.get(bytes, length, take);
            length += take;
            return skip + take;
        }

        /** The buffer is full but the segment is not whole. */
        boolean isFull() {
            return length == bytes.length && length < size;
        }

        /** Doubles the buffer, or gives it the whole segment's size at once. */
        void grow(boolean toFullSize) {
            int capacity = toFullSize ? size : (int) Math.min(size, 2L * bytes.length);
            bytes = Arrays.copyOf(bytes, capacity);
        }

        boolean isWhole() {
            return length == size;
        }

        /** The whole segment's bytes, which this object no longer holds. */
        byte[] handOver() {
            byte[] whole = bytes;
            bytes = new byte[0];
            return whole;
        }

        Lsn position() {
            return new Lsn(start + length);
        }

        Segment next() {
            return new Segment(name.nextSegment(size), size, false);
        }
    }
}
