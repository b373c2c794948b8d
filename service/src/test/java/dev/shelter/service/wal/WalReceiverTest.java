package dev.shelter.service.wal;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.wal.WalArchiveInspection;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.runbooks.wal.WalStreamArchive;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import dev.shelter.testing.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The receiver's assembly and durability rules, with a scripted stream standing in for PostgreSQL
 * (the real one is WalReceiverIT) and the real archive on a directory.
 */
class WalReceiverTest {

    private static final long SEGMENT = 1L << 20;
    private static final long SYSTEM = 7311744470813461234L;
    private static final long BASE = 3 * SEGMENT;

    @TempDir
    Path root;
    private FsBlobStore store;
    private ShelterWalArchive archive;
    private final List<String> problems = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() {
        store = FsBlobStore.open(new FsBlobStoreConfig(root));
        archive = new ShelterWalArchive(store, "wal/", Clock.systemUTC());
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void chunksAcrossSegmentBoundariesBecomeWholeSegmentsAndTheRestStaysDurable() throws Exception {
        byte[] wal = serverWal(2 * SEGMENT + 300_000);
        ScriptedSource server = new ScriptedSource(wal, 70_001);

        runUntilDurable(server, BASE + wal.length);

        assertArrayEquals(Arrays.copyOfRange(wal, 0, (int) SEGMENT), archive.fetch(name(3)).orElseThrow());
        assertArrayEquals(Arrays.copyOfRange(wal, (int) SEGMENT, (int) (2 * SEGMENT)), archive.fetch(name(4)).orElseThrow());
        byte[] streaming = archive.fetch(name(5)).orElseThrow();
        assertEquals(SEGMENT, streaming.length, "padded to a whole segment");
        assertArrayEquals(Arrays.copyOfRange(wal, (int) (2 * SEGMENT), wal.length), Arrays.copyOf(streaming, 300_000));
        assertTrue(problems.isEmpty(), problems.toString());
    }

    @Test
    void aNewReceiverResumesWhereTheArchiveEndsWithoutHolesOrDuplicates() throws Exception {
        byte[] wal = serverWal(2 * SEGMENT + 500_000);
        runUntilDurable(new ScriptedSource(Arrays.copyOf(wal, (int) SEGMENT + 123_457), 50_000), BASE + SEGMENT + 123_457);

        ScriptedSource later = new ScriptedSource(wal, 65_536);
        runUntilDurable(later, BASE + wal.length);

        assertEquals(new Lsn(BASE + SEGMENT + 123_457), later.startedFrom, "resumed inside the streaming segment");
        assertArrayEquals(Arrays.copyOfRange(wal, (int) SEGMENT, (int) (2 * SEGMENT)), archive.fetch(name(4)).orElseThrow());
        assertTrue(problems.isEmpty(), problems.toString());
    }

    @Test
    void aSegmentConfirmedFromItsPiecesButNotArchivedWholeIsArchivedWholeAtTheNextStart() throws Exception {
        byte[] wal = serverWal(SEGMENT + 200_000);
        SystemIdentifier system = new SystemIdentifier(SYSTEM);
        archive.storeStreaming(system, name(3), SEGMENT, wal, 0, 400_000);
        archive.storeStreaming(system, name(3), SEGMENT, wal, 400_000, (int) SEGMENT); // then a crash: no whole object

        ScriptedSource server = new ScriptedSource(wal, 50_000);
        runUntilDurable(server, BASE + wal.length);

        assertEquals(new Lsn(BASE + SEGMENT), server.startedFrom);
        Path timeline = root.resolve("wal/" + system + "/0001/00000001");
        assertTrue(java.nio.file.Files.exists(timeline.resolve(WalSegments.name(1, 3) + ".zst")), "archived whole");
        try (var files = java.nio.file.Files.list(timeline)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith(WalSegments.name(1, 3) + ".streaming")),
                    "its pieces are gone");
        }
        assertArrayEquals(Arrays.copyOf(wal, (int) SEGMENT), archive.fetch(name(3)).orElseThrow());
    }

    @Test
    void aHoleInTheStreamIsAFailureNotData() throws Exception {
        byte[] wal = serverWal(SEGMENT / 2);
        ScriptedSource server = new ScriptedSource(wal, 10_000);
        server.skipAfterFirstChunk = 4096;
        WalReceiver receiver = receiver(server);
        Thread thread = new Thread(receiver);
        thread.start();
        try {
            awaitRetrying(receiver);
            assertTrue(receiver.status().lastError().contains("hole"), receiver.status().lastError());
        } finally {
            stop(receiver, thread);
        }
    }

    @Test
    void afterAPromotionTheOldTimelinesTailIsStreamedToItsEndAndTheNewOneFollowsWithoutAGap() throws Exception {
        long switchpoint = SEGMENT + 400_000; // inside the archive's second segment, 3 MiB + ...
        byte[] first = serverWal(SEGMENT + 700_000); // the old primary went on past the switch; the standby did not
        runUntilDurable(new ScriptedSource(Arrays.copyOf(first, 250_000), 50_000), BASE + 250_000);

        byte[] second = serverWal(3 * SEGMENT + 100_000, 2, 5);
        System.arraycopy(first, 0, second, 0, (int) switchpoint); // the new timeline starts as a copy of the old
        byte[] history = ("1\t" + new Lsn(BASE + switchpoint) + "\tno recovery target specified\n").getBytes(StandardCharsets.US_ASCII);
        ScriptedSource promoted = new ScriptedSource(first, 65_536);
        promoted.promote(switchpoint, second, history);
        runUntilDurable(promoted, BASE + second.length);

        assertEquals(List.of("1@" + new Lsn(BASE + 250_000), "2@" + new Lsn(BASE + SEGMENT)), promoted.started,
                "the old timeline's tail from where the archive ended, then the new one from the switch segment's start");
        assertArrayEquals(history, archive.fetch(WalFileName.parse("00000002.history")).orElseThrow());
        assertArrayEquals(Arrays.copyOf(first, (int) SEGMENT), archive.fetch(name(3)).orElseThrow());
        byte[] partial = archive.fetch(WalFileName.parse(WalSegments.name(1, 4) + ".partial")).orElseThrow();
        assertArrayEquals(Arrays.copyOfRange(first, (int) SEGMENT, (int) switchpoint), Arrays.copyOf(partial, 400_000),
                "the old timeline's last segment, as far as it went");
        assertEquals(SEGMENT, partial.length, "padded like PostgreSQL's own .partial");
        assertTrue(archive.fetch(name(4)).isEmpty(), "timeline 1 never completed segment 4");
        WalFileName switched = WalFileName.parse(WalSegments.name(2, 4));
        assertArrayEquals(Arrays.copyOfRange(second, (int) SEGMENT, (int) (2 * SEGMENT)), archive.fetch(switched).orElseThrow());
        List<WalArchiveInspection.TimelineRun> runs = archive.continuity();
        assertEquals(2, runs.size(), runs.toString());
        assertEquals(List.of(), runs.get(0).gaps(), runs.toString());
        assertEquals(List.of(), runs.get(1).gaps(), runs.toString());
        assertEquals(WalFileName.parse(WalSegments.name(2, 4)), runs.get(1).first());
        assertTrue(problems.isEmpty(), problems.toString());
    }

    @Test
    void theArchiveOfANewerTimelineThanTheServersIsRefusedNotMixed() throws Exception {
        byte[] wal = serverWal(SEGMENT + 10_000);
        ScriptedSource promoted = new ScriptedSource(wal, 50_000);
        byte[] history = ("1\t" + new Lsn(BASE + 5000) + "\tx\n").getBytes(StandardCharsets.US_ASCII);
        promoted.promote(5000, wal, history);
        runUntilDurable(promoted, BASE + wal.length);

        WalReceiver receiver = receiver(new ScriptedSource(wal, 50_000)); // a restore back onto timeline 1
        Thread thread = new Thread(receiver);
        thread.start();
        try {
            awaitRetrying(receiver);
            assertTrue(receiver.status().lastError().contains("new archive incarnation"), receiver.status().lastError());
        } finally {
            stop(receiver, thread);
        }

        archive.beginIncarnation();
        ScriptedSource restored = new ScriptedSource(wal, 50_000);
        runUntilDurable(restored, BASE + wal.length);
        assertEquals(new Lsn(BASE), restored.startedFrom, "a new incarnation starts from the slot");
        assertTrue(problems.isEmpty(), problems.toString());
    }

    /**
     * Three segments arrive at once and go to parallel uploads; the first one's upload is held
     * until the two after it are stored. The server hears nothing past the first segment until it
     * is stored too (the scripted server checks every segment up to each confirmed position).
     */
    @Test
    void parallelUploadsAreConfirmedToTheServerInStreamOrderOnly() throws Exception {
        byte[] wal = serverWal(4 * SEGMENT);
        java.util.concurrent.CountDownLatch laterOnesStored = new java.util.concurrent.CountDownLatch(2);
        List<String> storedInOrder = new CopyOnWriteArrayList<>();
        WalStreamArchive held = new ForwardingArchive(archive) {
            @Override
            public Stored store(WalFileName name, byte[] content, java.util.function.Supplier<SystemIdentifier> system) {
                if (name.equals(name(3)) && !await(laterOnesStored)) {
                    problems.add("segments 4 and 5 were not stored while 3 was being stored: the uploads did not run side by side");
                }
                Stored stored = super.store(name, content, system);
                storedInOrder.add(name.toString());
                if (name.equals(name(4)) || name.equals(name(5))) {
                    laterOnesStored.countDown();
                }
                return stored;
            }
        };
        ScriptedSource server = new ScriptedSource(wal, 65_536);

        runUntilDurable(receiver(server, held, 3), BASE + wal.length);

        assertEquals(name(3).toString(), storedInOrder.get(2), "3 was stored after 4 and 5: " + storedInOrder);
        assertEquals(new Lsn(BASE + 4 * SEGMENT), server.confirmed.get(server.confirmed.size() - 1));
        for (long n = 3; n <= 6; n++) {
            int from = (int) ((n - 3) * SEGMENT);
            assertArrayEquals(Arrays.copyOfRange(wal, from, from + (int) SEGMENT), archive.fetch(name(n)).orElseThrow());
        }
        assertTrue(problems.isEmpty(), problems.toString());
    }

    /**
     * Segment 4's upload fails after 5 and 6 are stored. The receiver starts again from the slot's
     * position and streams 4 again: resuming after the last stored segment would leave 4 out for good.
     */
    @Test
    void afterAFailedUploadTheReceiverResumesAtTheHoleNotAfterLaterSegments() throws Exception {
        byte[] wal = serverWal(4 * SEGMENT);
        java.util.concurrent.CountDownLatch laterOnesStored = new java.util.concurrent.CountDownLatch(2);
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        WalStreamArchive failing = new ForwardingArchive(archive) {
            @Override
            public Stored store(WalFileName name, byte[] content, java.util.function.Supplier<SystemIdentifier> system) {
                if (name.equals(name(4)) && failed.compareAndSet(false, true)) {
                    await(laterOnesStored);
                    throw new IllegalStateException("the store refused " + name + " (injected)");
                }
                Stored stored = super.store(name, content, system);
                if (name.equals(name(5)) || name.equals(name(6))) {
                    laterOnesStored.countDown();
                }
                return stored;
            }
        };
        ScriptedSource server = new ScriptedSource(wal, 65_536);

        runUntilDurable(receiver(server, failing, 3), BASE + wal.length);

        assertTrue(failed.get(), "the injected failure happened");
        assertEquals(0, laterOnesStored.getCount(), "5 and 6 were stored before 4 failed");
        assertEquals(new Lsn(BASE + SEGMENT), server.startedFrom, "the second start is at segment 4, the hole: " + server.started);
        for (long n = 3; n <= 6; n++) {
            int from = (int) ((n - 3) * SEGMENT);
            assertArrayEquals(Arrays.copyOfRange(wal, from, from + (int) SEGMENT), archive.fetch(name(n)).orElseThrow());
        }
        assertEquals(List.of(), archive.continuity().get(0).gaps());
        assertTrue(problems.isEmpty(), problems.toString());
    }

    /**
     * Catching up, a segment takes a permit of the budget shared by all receivers before it outgrows
     * its first buffer: with two permits and both held by uploads in flight, the third segment waits
     * at its first buffer instead of filling a whole segment of memory. Every permit is back at the end.
     */
    @Test
    void segmentsCatchingUpWaitForTheSharedBudgetBeforeTheyGrow() throws Exception {
        byte[] wal = serverWal(5 * SEGMENT);
        java.util.concurrent.Semaphore budget = new java.util.concurrent.Semaphore(2);
        java.util.concurrent.CountDownLatch storesMayEnd = new java.util.concurrent.CountDownLatch(1);
        WalStreamArchive slow = new ForwardingArchive(archive) {
            @Override
            public Stored store(WalFileName name, byte[] content, java.util.function.Supplier<SystemIdentifier> system) {
                if (!await(storesMayEnd)) {
                    problems.add("the test did not let " + name + " be stored");
                }
                return super.store(name, content, system);
            }
        };
        ScriptedSource server = new ScriptedSource(wal, 65_536);
        WalReceiver receiver = new WalReceiver("main", "shelter_main", server, slow, Duration.ofMinutes(1), 3, budget, Clock.systemUTC());
        Thread thread = new Thread(receiver);
        thread.start();
        try {
            long waitsAt = BASE + 2 * SEGMENT + WalReceiver.Segment.firstBuffer((int) SEGMENT);
            Poll.until("the receiver waits for a permit", WAIT, Duration.ofMillis(5), budget::hasQueuedThreads, waiting -> waiting,
                    () -> "received " + receiver.status().received() + ", permits left " + budget.availablePermits());
            assertEquals(new Lsn(waitsAt), receiver.status().received(), "the third segment waits at its first buffer");
            assertEquals(0, budget.availablePermits(), "both permits are held by the two uploads in flight");
            storesMayEnd.countDown();
            Poll.until("everything is durable", WAIT, Duration.ofMillis(10), receiver::status,
                    status -> status.durable() != null && status.durable().value() == BASE + wal.length, () -> "");
        } finally {
            storesMayEnd.countDown();
            stop(receiver, thread);
        }
        assertEquals(2, budget.availablePermits(), "every permit is back");
        for (long n = 3; n <= 7; n++) {
            int from = (int) ((n - 3) * SEGMENT);
            assertArrayEquals(Arrays.copyOfRange(wal, from, from + (int) SEGMENT), archive.fetch(name(n)).orElseThrow());
        }
        assertTrue(problems.isEmpty(), problems.toString());
    }

    /** Out of memory on the receiver's thread (many clusters catching up at once) is retried like a failed store, not fatal. */
    @Test
    void aReceiverOutOfMemoryRetriesInsteadOfDying() throws Exception {
        byte[] wal = serverWal(SEGMENT + 300_000);
        java.util.concurrent.atomic.AtomicBoolean thrown = new java.util.concurrent.atomic.AtomicBoolean();
        WalStreamArchive starved = new ForwardingArchive(archive) {
            @Override
            public void storeStreaming(SystemIdentifier system, WalFileName segment, long segmentBytes, byte[] bytes, int from, int to) {
                if (thrown.compareAndSet(false, true)) {
                    throw new OutOfMemoryError("Java heap space (injected)");
                }
                super.storeStreaming(system, segment, segmentBytes, bytes, from, to);
            }
        };
        ScriptedSource server = new ScriptedSource(wal, 50_000);

        runUntilDurable(new WalReceiver("main", "shelter_main", server, starved, Duration.ofMillis(20), 2,
                new java.util.concurrent.Semaphore(4), Clock.systemUTC()), BASE + wal.length);

        assertTrue(thrown.get(), "the injected error happened");
        assertArrayEquals(Arrays.copyOf(wal, (int) SEGMENT), archive.fetch(name(3)).orElseThrow());
        assertTrue(problems.isEmpty(), problems.toString());
    }

    private boolean await(java.util.concurrent.CountDownLatch latch) {
        try {
            return latch.await(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Bounds sized for two busy cores: each wait ends as soon as its condition holds. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static void awaitRetrying(WalReceiver receiver) {
        Poll.until("the receiver retries", WAIT, Duration.ofMillis(10), receiver::status,
                status -> status.state() == WalReceiver.State.RETRYING, () -> "");
    }

    /** Stops the receiver and fails if its thread does not end: a test leaves no thread behind. */
    private static void stop(WalReceiver receiver, Thread thread) throws InterruptedException {
        receiver.stop();
        thread.join(WAIT.toMillis());
        assertTrue(!thread.isAlive(), "the receiver's thread ended within " + WAIT.toSeconds() + " s of stop()");
    }

    private void runUntilDurable(ScriptedSource server, long end) throws InterruptedException {
        runUntilDurable(receiver(server), end);
    }

    private void runUntilDurable(WalReceiver receiver, long end) throws InterruptedException {
        Thread thread = new Thread(receiver);
        thread.start();
        try {
            Poll.until("the receiver holds " + new Lsn(end) + " durable", WAIT, Duration.ofMillis(10), receiver::status,
                    status -> status.durable() != null && status.durable().value() == end, () -> "");
        } finally {
            stop(receiver, thread);
        }
    }

    private WalReceiver receiver(ScriptedSource server) {
        return new WalReceiver("main", "shelter_main", server, archive, Duration.ofMillis(20), 2, new java.util.concurrent.Semaphore(4), Clock.systemUTC());
    }

    /** A receiver that writes no piece for a minute: every segment it completes goes to the parallel uploads. */
    private WalReceiver receiver(ScriptedSource server, WalStreamArchive into, int parallelUploads) {
        return new WalReceiver("main", "shelter_main", server, into, Duration.ofMinutes(1), parallelUploads, new java.util.concurrent.Semaphore(8), Clock.systemUTC());
    }

    private static WalFileName name(long segment) {
        return WalFileName.parse(WalSegments.name(1, segment));
    }

    /** WAL from BASE on: a long page header at each segment start, a pattern elsewhere. */
    private static byte[] serverWal(long length) {
        return serverWal(length, 1, 1);
    }

    /** As {@link #serverWal(long)}, the headers naming {@code timeline}, the pattern depending on {@code seed}. */
    private static byte[] serverWal(long length, int timeline, int seed) {
        ByteBuffer wal = ByteBuffer.allocate((int) length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < length; i += 4) {
            wal.putInt(i, i * 7 + seed);
        }
        for (long offset = 0; offset < length; offset += SEGMENT) {
            int at = (int) offset;
            wal.putShort(at, (short) 0xD110).putShort(at + 2, (short) 0x0002).putInt(at + 4, timeline).putLong(at + 8, BASE + offset)
                    .putLong(at + 24, SYSTEM).putInt(at + 32, (int) SEGMENT).putInt(at + 36, 8192);
        }
        return wal.array();
    }

    /** The real archive, with a test's hand on some calls. */
    private static class ForwardingArchive implements WalStreamArchive {

        private final ShelterWalArchive archive;

        ForwardingArchive(ShelterWalArchive archive) {
            this.archive = archive;
        }

        @Override
        public Stored store(WalFileName name, byte[] content, java.util.function.Supplier<SystemIdentifier> system) {
            return archive.store(name, content, system);
        }

        @Override
        public Optional<byte[]> fetch(WalFileName name) {
            return archive.fetch(name);
        }

        @Override
        public boolean contains(WalFileName name) {
            return archive.contains(name);
        }

        @Override
        public String describe() {
            return archive.describe();
        }

        @Override
        public Optional<WalArchiveInspection> inspection() {
            return archive.inspection();
        }

        @Override
        public void storeStreaming(SystemIdentifier system, WalFileName segment, long segmentBytes, byte[] bytes, int from, int to) {
            archive.storeStreaming(system, segment, segmentBytes, bytes, from, to);
        }

        @Override
        public void dropStreaming(WalFileName segment) {
            archive.dropStreaming(segment);
        }

        @Override
        public int completeStreamedSegments(Timeline timeline, long segmentBytes) {
            return archive.completeStreamedSegments(timeline, segmentBytes);
        }

        @Override
        public Optional<ResumePoint> resumePoint(Timeline timeline, long segmentBytes, Optional<Lsn> confirmed) {
            return archive.resumePoint(timeline, segmentBytes, confirmed);
        }

        @Override
        public Optional<Timeline> newestTimeline() {
            return archive.newestTimeline();
        }

        @Override
        public int finishTimeline(Timeline timeline, long segmentBytes) {
            return archive.finishTimeline(timeline, segmentBytes);
        }
    }

    /**
     * A server whose WAL from BASE is {@code wal} on its current timeline, sent in chunks; it checks
     * that nothing is confirmed before it is stored. After {@link #promote} it is on a new timeline
     * and serves the old one up to its end, as a walsender does.
     */
    private final class ScriptedSource implements WalStreamSource {

        private final int chunk;
        private final java.util.Map<Long, byte[]> walByTimeline = new java.util.HashMap<>();
        private final java.util.Map<Long, Long> endByTimeline = new java.util.HashMap<>();
        private final java.util.Map<Long, byte[]> histories = new java.util.HashMap<>();
        private volatile long timeline = 1;
        volatile Lsn startedFrom;
        final List<String> started = new CopyOnWriteArrayList<>();
        final List<Lsn> confirmed = new CopyOnWriteArrayList<>();
        /** The slot's restart position: what the receiver last confirmed, as PostgreSQL keeps it. */
        private volatile long slotPosition = BASE;
        int skipAfterFirstChunk;

        ScriptedSource(byte[] wal, int chunk) {
            this.chunk = chunk;
            walByTimeline.put(1L, wal);
        }

        /** The next timeline branches off at {@code switchpoint}: its WAL is {@code wal}, equal to the old up to there. */
        void promote(long switchpoint, byte[] wal, byte[] history) {
            endByTimeline.put(timeline, switchpoint);
            timeline++;
            walByTimeline.put(timeline, wal);
            histories.put(timeline, history);
        }

        @Override
        public Identity identify() {
            return new Identity(new SystemIdentifier(SYSTEM), new Timeline(timeline), new Lsn(BASE + walByTimeline.get(timeline).length),
                    SEGMENT, "scripted:" + timeline);
        }

        @Override
        public Optional<Lsn> ensureSlot(String slot) {
            return Optional.of(new Lsn(slotPosition));
        }

        @Override
        public Optional<byte[]> timelineHistory(Timeline of) {
            return Optional.ofNullable(histories.get(of.id()));
        }

        @Override
        public WalStream start(String slot, Timeline on, Lsn from) {
            startedFrom = from;
            started.add(on + "@" + from);
            byte[] wal = walByTimeline.get(on.id());
            long end = BASE + (endByTimeline.containsKey(on.id()) ? endByTimeline.get(on.id()) : wal.length);
            if (from.value() > end) {
                throw new IllegalStateException("requested starting point " + from + " is ahead of the server's end " + new Lsn(end));
            }
            return new WalStream() {
                private long next = from.value();
                private boolean first = true;

                @Override
                public Optional<Chunk> read(Duration wait) {
                    if (next >= end) {
                        if (endByTimeline.containsKey(on.id())) {
                            problems.add("read timeline " + on + " past its end " + new Lsn(end));
                        }
                        pause(wait);
                        return Optional.empty();
                    }
                    int offset = (int) (next - BASE);
                    int length = (int) Math.min(chunk, end - next);
                    Chunk sent = new Chunk(new Lsn(next), ByteBuffer.wrap(Arrays.copyOfRange(wal, offset, offset + length)));
                    next += length + (first ? skipAfterFirstChunk : 0);
                    first = false;
                    return Optional.of(sent);
                }

                /** Every segment from the slot's position up to {@code lsn} must be stored, as far as {@code lsn} reaches into it. */
                @Override
                public void confirmDurable(Lsn lsn) {
                    confirmed.add(lsn);
                    for (long segmentStart = slotPosition - (slotPosition % SEGMENT); segmentStart < lsn.value();
                         segmentStart += SEGMENT) {
                        long held = Math.min(SEGMENT, lsn.value() - segmentStart);
                        WalFileName name = WalFileName.parse(WalSegments.name(on.id(), segmentStart / SEGMENT));
                        byte[] stored = archive.fetch(name).or(() -> archive.fetch(WalFileName.parse(name + ".partial")))
                                .orElse(new byte[0]);
                        int from = (int) (segmentStart - BASE);
                        if (stored.length < held || !Arrays.equals(Arrays.copyOf(stored, (int) held),
                                Arrays.copyOfRange(wal, from, from + (int) held))) {
                            problems.add("confirmed " + lsn + " before the store held " + name);
                        }
                    }
                    slotPosition = Math.max(slotPosition, lsn.value());
                }

                @Override
                public void close() {
                }
            };
        }

        private void pause(Duration wait) {
            try {
                Thread.sleep(Math.min(wait.toMillis(), 5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
