package dev.shelter.service.wal;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
        String system = Long.toUnsignedString(SYSTEM);
        archive.storeStreaming(system, name(3), wal, 0, 400_000);
        archive.storeStreaming(system, name(3), wal, 400_000, (int) SEGMENT); // then a crash: no whole object

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
            for (int i = 0; i < 200 && receiver.status().state() != WalReceiver.State.RETRYING; i++) {
                Thread.sleep(10);
            }
            assertEquals(WalReceiver.State.RETRYING, receiver.status().state());
            assertTrue(receiver.status().lastError().contains("hole"), receiver.status().lastError());
        } finally {
            receiver.stop();
            thread.join(5000);
        }
    }

    private void runUntilDurable(ScriptedSource server, long end) throws InterruptedException {
        WalReceiver receiver = receiver(server);
        Thread thread = new Thread(receiver);
        thread.start();
        try {
            for (int i = 0; i < 500; i++) {
                Lsn durable = receiver.status().durable();
                if (durable != null && durable.value() == end) {
                    return;
                }
                Thread.sleep(10);
            }
            throw new AssertionError("durable " + receiver.status() + ", expected " + new Lsn(end));
        } finally {
            receiver.stop();
            thread.join(5000);
        }
    }

    private WalReceiver receiver(ScriptedSource server) {
        return new WalReceiver("main", "shelter_main", server, archive, Duration.ofMillis(20), Clock.systemUTC());
    }

    private static WalFileName name(long segment) {
        return WalFileName.parse(WalSegments.name(1, segment));
    }

    /** WAL from BASE on: a long page header at each segment start, a pattern elsewhere. */
    private static byte[] serverWal(long length) {
        ByteBuffer wal = ByteBuffer.allocate((int) length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < length; i += 4) {
            wal.putInt(i, i * 7 + 1);
        }
        for (long offset = 0; offset < length; offset += SEGMENT) {
            int at = (int) offset;
            wal.putShort(at, (short) 0xD110).putShort(at + 2, (short) 0x0002).putInt(at + 4, 1).putLong(at + 8, BASE + offset)
                    .putLong(at + 24, SYSTEM).putInt(at + 32, (int) SEGMENT).putInt(at + 36, 8192);
        }
        return wal.array();
    }

    /** A server whose WAL from BASE is {@code wal}, sent in chunks; it checks that nothing is confirmed before it is stored. */
    private final class ScriptedSource implements WalStreamSource {

        private final byte[] wal;
        private final int chunk;
        volatile Lsn startedFrom;
        int skipAfterFirstChunk;

        ScriptedSource(byte[] wal, int chunk) {
            this.wal = wal;
            this.chunk = chunk;
        }

        @Override
        public Identity identify() {
            return new Identity(Long.toUnsignedString(SYSTEM), new Timeline(1), new Lsn(BASE + wal.length), SEGMENT);
        }

        @Override
        public Optional<Lsn> ensureSlot(String slot) {
            return Optional.of(new Lsn(BASE));
        }

        @Override
        public WalStream start(String slot, Lsn from) {
            startedFrom = from;
            return new WalStream() {
                private long next = from.value();
                private boolean first = true;

                @Override
                public Optional<Chunk> read(Duration wait) {
                    if (next >= BASE + wal.length) {
                        pause(wait);
                        return Optional.empty();
                    }
                    int offset = (int) (next - BASE);
                    int length = Math.min(chunk, wal.length - offset);
                    Chunk sent = new Chunk(new Lsn(next), ByteBuffer.wrap(Arrays.copyOfRange(wal, offset, offset + length)));
                    next += length + (first ? skipAfterFirstChunk : 0);
                    first = false;
                    return Optional.of(sent);
                }

                @Override
                public void confirmDurable(Lsn lsn) {
                    long segmentStart = lsn.value() - (lsn.value() % SEGMENT);
                    long held = lsn.value() - segmentStart;
                    if (held == 0 && lsn.value() > BASE) {
                        segmentStart -= SEGMENT; // a whole segment: it must be readable in full already
                        held = SEGMENT;
                    }
                    if (held > 0) {
                        byte[] stored = archive.fetch(WalFileName.parse(WalSegments.name(1, segmentStart / SEGMENT))).orElse(new byte[0]);
                        int from = (int) (segmentStart - BASE);
                        if (stored.length < held || !Arrays.equals(Arrays.copyOf(stored, (int) held),
                                Arrays.copyOfRange(wal, from, from + (int) held))) {
                            problems.add("confirmed " + lsn + " before the store held it");
                        }
                    }
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
