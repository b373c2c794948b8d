package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.postgres.ControlFile;
import dev.shelter.runbooks.wal.TimelineHistory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The order a restore-prepare job carries out, both ends: what it writes, what it reports, and what Shelter accepts. */
class RecoveryOrderTest {

    private static final String RESTORE_COMMAND = "curl -sf -H \"Authorization: Bearer $(cat '/t/it''s')\" http://x/wal/%f -o %p";

    @TempDir
    Path pgdata;

    @BeforeEach
    void fakeDataDirectory() throws IOException {
        Files.createDirectories(pgdata.resolve("global"));
        try (InputStream control = RecoveryOrderTest.class.getResourceAsStream(RecoveryFilesTest.PG_CONTROL)) {
            Files.write(pgdata.resolve("global/pg_control"), control.readAllBytes());
        }
    }

    @Test
    void survivesTheTripAsOneCommandArgument() {
        RecoveryOrder order = order(Map.of("max_connections", 150));
        String encoded = order.encode();
        assertTrue(encoded.matches("[A-Za-z0-9_-]+"), "one shell-safe word: " + encoded);

        RecoveryOrder decoded = RecoveryOrder.decode(encoded);
        assertEquals(order.backup(), decoded.backup());
        assertEquals(RESTORE_COMMAND, decoded.restoreCommand());
        assertEquals(order.target(), decoded.target());
        assertEquals(order.along(), decoded.along());
        assertEquals(Map.of("max_connections", 150), decoded.settingsAtLeast());

        IllegalArgumentException garbled = assertThrows(IllegalArgumentException.class, () -> RecoveryOrder.decode("bm90IGFuIG9yZGVy"));
        assertTrue(garbled.getMessage().startsWith("not a recovery order from Shelter"), garbled.getMessage());
    }

    @Test
    void writesTheFilesRaisesOnlyWhatThePgControlValueFallsShortOfAndReportsTheLabelAsWritten() throws IOException {
        Map<String, Integer> recorded = ControlFile.read(pgdata).standbySettings().byName();
        int connections = recorded.get("max_connections");
        int senders = recorded.get("max_wal_senders");
        RecoveryOrder order = RecoveryOrder.decode(order(Map.of("max_connections", connections + 50, "max_wal_senders", senders - 1))
                .encode());

        List<String> report = order.carryOut(pgdata);

        assertArrayEquals(RecoveryFilesTest.LABEL.getBytes(StandardCharsets.UTF_8), Files.readAllBytes(pgdata.resolve("backup_label")));
        String autoConf = Files.readString(pgdata.resolve("postgresql.auto.conf"));
        assertTrue(autoConf.contains("recovery_target_lsn = '0/7000000'\n"), autoConf);
        assertTrue(autoConf.contains("recovery_target_timeline = '4'\n"), autoConf);
        assertTrue(autoConf.contains("max_connections = '" + (connections + 50) + "'\n"), autoConf);
        assertFalse(autoConf.contains("max_wal_senders"), "never lowered: " + autoConf);
        assertEquals(List.of("max_connections " + connections + " -> " + (connections + 50)), order.checkReport(String.join("\n", report)));
    }

    @Test
    void aReportOfAnotherLabelOrAnUnfinishedJobIsRefused() throws IOException {
        RecoveryOrder order = order(Map.of());
        List<String> report = order.carryOut(pgdata);
        String log = "Picked up JAVA_TOOL_OPTIONS\n" + String.join("\n", report) + "\n";
        assertEquals(List.of(), order.checkReport(log), "whatever else the log holds");

        RecoveryOrder other = new RecoveryOrder(RecoveryFilesTest.manifest(RecoveryFilesTest.LABEL.replace("unit", "other"), "",
                RecoveryFilesTest.SYSTEM_ID), RESTORE_COMMAND, order.target(), order.along(), Map.of());
        IllegalStateException mismatch = assertThrows(IllegalStateException.class, () -> other.checkReport(log));
        assertTrue(mismatch.getMessage().contains("the backup_label written has sha256"), mismatch.getMessage());

        IllegalStateException unfinished = assertThrows(IllegalStateException.class,
                () -> order.checkReport(log.replace("shelter restore-prepare: done", "")));
        assertTrue(unfinished.getMessage().contains("incomplete"), unfinished.getMessage());
    }

    private static RecoveryOrder order(Map<String, Integer> settingsAtLeast) {
        BackupManifest backup = RecoveryFilesTest.manifest(RecoveryFilesTest.LABEL, "", RecoveryFilesTest.SYSTEM_ID);
        TimelineHistory along = TimelineHistory.parse(new Timeline(4), "1\t0/3000000\ta\n3\t0/6800000\tb\n"
                .getBytes(StandardCharsets.US_ASCII));
        return new RecoveryOrder(backup, RESTORE_COMMAND, new RestoreTarget.AtLsn(Lsn.parse("0/7000000"), true), along, settingsAtLeast);
    }
}
