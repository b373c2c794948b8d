package dev.shelter.runbooks.backup;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackupIdTest {

    @Test
    void idsSortByTimeAndDoNotCollide() {
        BackupId early = BackupId.startingAt(Instant.parse("2026-11-21T10:15:00Z"));
        BackupId late = BackupId.startingAt(Instant.parse("2026-11-21T10:15:01Z"));
        assertTrue(early.value().startsWith("20261121T101500Z-"));
        assertTrue(early.compareTo(late) < 0);
        assertNotEquals(BackupId.startingAt(Instant.EPOCH), BackupId.startingAt(Instant.EPOCH));
        assertTrue(early.snapshotName().startsWith("shelter-20261121T101500Z-"));
    }

    @Test
    void refusesAnythingElse() {
        assertThrows(IllegalArgumentException.class, () -> new BackupId("../../etc"));
        assertFalse(BackupId.isWellFormed("20261121T101500Z-XYZ123"));
    }
}
