package dev.shelter.service.core;

import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.runbooks.wal.WalArchiveInspection;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.runbooks.wal.WalStreamArchive;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The read-ahead's logic over an archive in memory: what is read ahead, what is served from it, and what never is. */
class WalReadAheadTest {

    private static final int SEGMENT = 1 << 20; // the smallest segment size PostgreSQL allows
    private static final ClusterName MAIN = new ClusterName("main");

    /** Whole segments by name; a partial one (the streamed part of the segment being written) is shorter. */
    private static final class MemoryArchive implements WalArchive {
        final Map<String, byte[]> files = new ConcurrentHashMap<>();
        final List<String> fetched = new CopyOnWriteArrayList<>();

        @Override
        public Stored store(WalFileName name, byte[] content, Supplier<SystemIdentifier> systemIdentifier) {
            files.put(name.value(), content);
            return Stored.NEW;
        }

        @Override
        public Optional<byte[]> fetch(WalFileName name) {
            fetched.add(name.value());
            return Optional.ofNullable(files.get(name.value()));
        }

        @Override
        public boolean contains(WalFileName name) {
            return files.containsKey(name.value());
        }

        @Override
        public boolean containsSegment(WalFileName segment, long segmentBytes) {
            byte[] content = files.get(segment.value());
            return content != null && content.length == segmentBytes;
        }

        @Override
        public String describe() {
            return "memory";
        }

        @Override
        public Optional<WalStreamArchive> streaming() {
            return Optional.empty();
        }

        @Override
        public Optional<WalArchiveInspection> inspection() {
            return Optional.empty();
        }
    }

    private static WalFileName segment(long number) {
        return WalFileName.parse("%08X%08X%08X".formatted(1, number / (0x100000000L / SEGMENT), number % (0x100000000L / SEGMENT)));
    }

    private static byte[] content(long number, int length) {
        byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, (byte) number);
        return bytes;
    }

    private final MemoryArchive archive = new MemoryArchive();
    private final ExecutorService executor = Executors.newFixedThreadPool(2);

    @Test
    void theNextSegmentsAreReadAheadAndServedFromThere() throws Exception {
        for (long n = 1; n <= 10; n++) {
            archive.files.put(segment(n).value(), content(n, SEGMENT));
        }
        WalReadAhead readAhead = new WalReadAhead(3, executor, Duration.ofMinutes(2), Clock.systemUTC());

        assertArrayEquals(content(1, SEGMENT), readAhead.fetch(MAIN, archive, segment(1)).orElseThrow());
        awaitFetched(segment(2), segment(3), segment(4));
        int before = archive.fetched.size();
        assertArrayEquals(content(2, SEGMENT), readAhead.fetch(MAIN, archive, segment(2)).orElseThrow());
        assertArrayEquals(content(3, SEGMENT), readAhead.fetch(MAIN, archive, segment(3)).orElseThrow());
        awaitFetched(segment(5), segment(6));
        assertEquals(before + 2, archive.fetched.size(), "2 and 3 came from what was read ahead; 5 and 6 were read ahead since: "
                + archive.fetched);
        assertEquals(1, archive.fetched.stream().filter(segment(3).value()::equals).count(), "each segment is read once: " + archive.fetched);
        executor.shutdownNow();
    }

    /** The streamed part of the segment being written is never read ahead: served late, it would be stale. */
    @Test
    void aSegmentNotYetWholeIsNeverReadAheadButAskedForAgain() throws Exception {
        archive.files.put(segment(1).value(), content(1, SEGMENT));
        archive.files.put(segment(2).value(), content(2, SEGMENT / 4)); // still being written
        // Read ahead in the caller's thread: done by the time fetch returns.
        WalReadAhead readAhead = new WalReadAhead(2, Runnable::run, Duration.ofMinutes(2), Clock.systemUTC());

        readAhead.fetch(MAIN, archive, segment(1));
        assertEquals(List.of(segment(1).value()), archive.fetched, "2 is not whole yet, and 3 not there: nothing read ahead");
        archive.files.put(segment(2).value(), content(2, SEGMENT)); // now archived whole

        assertArrayEquals(content(2, SEGMENT), readAhead.fetch(MAIN, archive, segment(2)).orElseThrow());
        assertEquals(Optional.empty(), readAhead.fetch(MAIN, archive, segment(9)), "missing is missing");
    }

    @Test
    void aStoppedPoolServesWhatIsAskedAndReadsNothingAhead() {
        archive.files.put(segment(1).value(), content(1, SEGMENT));
        executor.shutdownNow();
        WalReadAhead readAhead = new WalReadAhead(2, executor, Duration.ofMinutes(2), Clock.systemUTC());

        assertArrayEquals(content(1, SEGMENT), readAhead.fetch(MAIN, archive, segment(1)).orElseThrow());
    }

    @Test
    void depthZeroReadsNothingAhead() {
        archive.files.put(segment(1).value(), content(1, SEGMENT));
        archive.files.put(segment(2).value(), content(2, SEGMENT));
        WalReadAhead readAhead = new WalReadAhead(0, executor, Duration.ofMinutes(2), Clock.systemUTC());

        readAhead.fetch(MAIN, archive, segment(1));
        assertEquals(0, readAhead.aheadCount());
        assertEquals(List.of(segment(1).value()), archive.fetched);
        executor.shutdownNow();
    }

    /** Until every one of them has been read from the archive (in any order: the pool reads in parallel). */
    private void awaitFetched(WalFileName... names) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (WalFileName name : names) {
            while (!archive.fetched.contains(name.value())) {
                assertTrue(System.nanoTime() < deadline, name + " was not read ahead: " + archive.fetched);
                Thread.sleep(5);
            }
        }
    }

}
