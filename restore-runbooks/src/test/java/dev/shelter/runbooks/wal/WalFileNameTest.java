package dev.shelter.runbooks.wal;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WalFileNameTest {

    @Test
    void readsEveryKindPostgresArchives() {
        assertEquals(WalFileName.Kind.SEGMENT, WalFileName.parse("000000010000000000000003").kind());
        assertEquals(WalFileName.Kind.PARTIAL, WalFileName.parse("00000001000000000000000A.partial").kind());
        assertEquals(WalFileName.Kind.BACKUP_HISTORY, WalFileName.parse("000000010000000000000002.00000028.backup").kind());
        WalFileName history = WalFileName.parse("0000000A.history");
        assertEquals(WalFileName.Kind.HISTORY, history.kind());
        assertEquals(new Timeline(10), history.timeline());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00000001000000000000000", "000000010000000000000003.", "000000010000000000000003/../x",
        "00000001000000000000000g", "000000000000000000000003", "../00000002.history", "00000002.HISTORY", "RECOVERYXLOG"})
    void refusesAnythingElse(String text) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> WalFileName.parse(text));
        assertTrue(refused.getMessage().contains("'" + text + "'"), refused.getMessage());
    }

    @Test
    void aSegmentNameGivesItsStartForTheSegmentSize() {
        assertEquals(Lsn.parse("0/3000000"), WalFileName.parse("000000010000000000000003").segmentStart(16L << 20));
        assertEquals(Lsn.parse("2/FF000000"), WalFileName.parse("0000000100000002000000FF").segmentStart(16L << 20));
        assertEquals(Lsn.parse("1/C0000000"), WalFileName.parse("000000020000000100000003").segmentStart(1L << 30));
        assertThrows(IllegalArgumentException.class, () -> WalFileName.parse("000000020000000100000004").segmentStart(1L << 30));
    }
}
