package dev.shelter.service.wal;

import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.runbooks.wal.WalFileName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every {@link WalArchive} adapter must do: store once, serve back byte for byte, never overwrite. */
public abstract class WalArchiveContract {

    protected static final SystemIdentifier SYSTEM = SystemIdentifier.parse("7311744470813461234");
    protected static final Supplier<SystemIdentifier> NO_SERVER = () -> {
        throw new AssertionError("the archive asked the server for its system identifier");
    };

    protected abstract WalArchive archive();

    /** A valid segment of system {@link #SYSTEM}, timeline 1. */
    protected static byte[] segment(long number, int seed) {
        return WalSegments.segment(1, number, SYSTEM.value(), seed);
    }

    protected static String segmentName(long number) {
        return WalSegments.name(1, number);
    }

    @Test
    void aFileIsStoredOnceAndServedBackByteForByte() {
        WalFileName name = WalFileName.parse(segmentName(3));
        byte[] content = segment(3, 1);
        assertFalse(archive().contains(name));
        assertEquals(Optional.empty(), archive().fetch(name));

        assertEquals(WalArchive.Stored.NEW, archive().store(name, content, NO_SERVER));
        assertTrue(archive().contains(name));
        assertArrayEquals(content, archive().fetch(name).orElseThrow());
        assertEquals(WalArchive.Stored.ALREADY_PRESENT, archive().store(name, content.clone(), NO_SERVER));
    }

    @Test
    void otherBytesUnderAnArchivedNameAreRefusedAndTheFirstOnesKept() {
        WalFileName name = WalFileName.parse(segmentName(4));
        byte[] first = segment(4, 1);
        archive().store(name, first, NO_SERVER);

        ConflictException refused = assertThrows(ConflictException.class, () -> archive().store(name, segment(4, 2), NO_SERVER));
        assertTrue(refused.getMessage().contains("never overwritten"), refused.getMessage());
        assertArrayEquals(first, archive().fetch(name).orElseThrow());
    }

    /**
     * Ten archivers race to store different bytes under one new name: exactly one is told its
     * bytes are stored, the nine others are refused, and the archive holds the winner's bytes.
     */
    @Test
    void ofTenConcurrentWritersOfOneNewNameExactlyOneIsStored() throws Exception {
        archive().store(WalFileName.parse(segmentName(6)), segment(6, 1), NO_SERVER); // the archive knows its system
        WalFileName name = WalFileName.parse("0000000A.history");
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<WalArchive.Stored>> outcomes = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                byte[] content = ("9\t0/" + i + "000000\tno recovery target specified\n").getBytes(StandardCharsets.US_ASCII);
                outcomes.add(pool.submit(() -> {
                    start.await();
                    return archive().store(name, content, NO_SERVER);
                }));
            }
            start.countDown();
            List<Integer> stored = new ArrayList<>();
            int refused = 0;
            for (int i = 0; i < 10; i++) {
                try {
                    assertEquals(WalArchive.Stored.NEW, outcomes.get(i).get(60, TimeUnit.SECONDS));
                    stored.add(i);
                } catch (ExecutionException e) {
                    assertTrue(e.getCause() instanceof ConflictException, "writer " + i + ": " + e.getCause());
                    refused++;
                }
            }
            assertEquals(1, stored.size(), "writers told their bytes were stored: " + stored);
            assertEquals(9, refused);
            assertEquals("9\t0/" + stored.get(0) + "000000\tno recovery target specified\n",
                    new String(archive().fetch(name).orElseThrow(), StandardCharsets.US_ASCII));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void historyAndBackupHistoryFilesAreKeptToo() {
        archive().store(WalFileName.parse(segmentName(5)), segment(5, 1), NO_SERVER);
        byte[] history = "1\t0/5000000\tno recovery target specified\n".getBytes(StandardCharsets.US_ASCII);
        WalFileName historyName = WalFileName.parse("00000002.history");
        assertEquals(WalArchive.Stored.NEW, archive().store(historyName, history, NO_SERVER));
        assertArrayEquals(history, archive().fetch(historyName).orElseThrow());
        assertEquals(Optional.empty(), archive().fetch(WalFileName.parse("00000003.history")));
    }
}
