package dev.shelter.service.wal;

import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.service.core.ConflictException;
import dev.shelter.service.core.WalArchive;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every {@link WalArchive} adapter must do: store once, serve back byte for byte, never overwrite. */
public abstract class WalArchiveContract {

    protected static final String SYSTEM = "7311744470813461234";
    protected static final Supplier<String> NO_SERVER = () -> {
        throw new AssertionError("the archive asked the server for its system identifier");
    };

    protected abstract WalArchive archive();

    /** A valid segment of system {@link #SYSTEM}, timeline 1. */
    protected static byte[] segment(long number, int seed) {
        return WalSegments.segment(1, number, Long.parseUnsignedLong(SYSTEM), seed);
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
