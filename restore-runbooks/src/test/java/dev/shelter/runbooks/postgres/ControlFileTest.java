package dev.shelter.runbooks.postgres;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reader on real pg_control files that PostgreSQL 15 wrote (initdb --data-checksums, one copied
 * while the server ran, one after a fast shutdown), each with what pg_controldata printed for it
 * (LC_ALL=C TZ=UTC). {@code ControlFileIT} does the same live against the local binaries.
 */
class ControlFileTest {

    private static final String RUNNING = "pg_control-15-in-production";
    private static final String STOPPED = "pg_control-15-shut-down";

    @Test
    void aFileCopiedFromARunningServerSaysInProductionAsPgControlDataDoes() throws IOException {
        ControlFile control = ControlFile.parse(resource(RUNNING), RUNNING);
        PgControlData.parse(text(RUNNING + ".pg_controldata.txt")).assertSameAs(control);
        assertEquals(ControlFile.State.IN_PRODUCTION, control.state());
        assertFalse(control.isCleanlyShutDown());
        assertEquals("13 to 16", control.serverVersions());
    }

    @Test
    void aFileOfACleanlyStoppedServerSaysShutDownAtItsShutdownCheckpoint() throws IOException {
        ControlFile control = ControlFile.parse(resource(STOPPED), STOPPED);
        PgControlData.parse(text(STOPPED + ".pg_controldata.txt")).assertSameAs(control);
        assertTrue(control.isCleanlyShutDown());
        assertEquals("7713670979883762757", control.systemIdentifierText());
        assertEquals(Lsn.parse("0/1769020"), control.checkpoint());
        assertEquals(control.checkpoint(), control.redo(), "a shutdown checkpoint redoes from itself");
        assertEquals(new Timeline(1), control.timeline());
    }

    @Test
    void readFindsTheFileInADataDirectory(@TempDir Path pgdata) throws IOException {
        Files.createDirectories(pgdata.resolve("global"));
        Files.write(pgdata.resolve(ControlFile.PATH), resource(STOPPED));
        assertEquals(ControlFile.parse(resource(STOPPED), STOPPED), ControlFile.read(pgdata));

        ControlFile.InvalidControlFileException none = assertThrows(ControlFile.InvalidControlFileException.class,
                () -> ControlFile.read(pgdata.resolve("elsewhere")));
        assertTrue(none.getMessage().endsWith("is not a PostgreSQL data directory"), none.getMessage());
    }

    /** Every byte the CRC covers counts: a flip anywhere before the CRC field, and in the field itself, is caught. */
    @Test
    void anyCorruptedByteFailsTheCrc() throws IOException {
        byte[] good = resource(STOPPED);
        for (int offset : new int[] {0, 7, 17, 40, 48, 100, 172, 216, 287, 288, 291}) {
            byte[] bad = good.clone();
            bad[offset] ^= 0x10;
            ControlFile.InvalidControlFileException e = assertThrows(ControlFile.InvalidControlFileException.class,
                    () -> ControlFile.parse(bad, "corrupt"), "a flip at byte " + offset);
            assertTrue(e.getMessage().contains("CRC") || e.getMessage().contains("pg_control version"),
                    "byte " + offset + ": " + e.getMessage());
        }
        // Past the struct the file is padding that PostgreSQL ignores too.
        byte[] padding = good.clone();
        padding[4000] = 1;
        assertEquals(ControlFile.parse(good, "good"), ControlFile.parse(padding, "padded"));
    }

    @Test
    void aShortFileOrAnUnknownFormatIsRefusedNotGuessed() throws IOException {
        byte[] good = resource(STOPPED);
        ControlFile.InvalidControlFileException shortFile = assertThrows(ControlFile.InvalidControlFileException.class,
                () -> ControlFile.parse(Arrays.copyOf(good, 200), "short"));
        assertTrue(shortFile.getMessage().contains("200 bytes"), shortFile.getMessage());

        byte[] pg12 = EditedControlFile.withCrc(good, ByteOrder.LITTLE_ENDIAN, b -> b.putInt(8, 1201));
        ControlFile.InvalidControlFileException unknown = assertThrows(ControlFile.InvalidControlFileException.class,
                () -> ControlFile.parse(pg12, "pg12"));
        assertEquals("pg12 has pg_control version 1201 (read little-endian): only 1300 (PostgreSQL 13 to 16) and 1700 "
                + "(PostgreSQL 17) are known", unknown.getMessage());
    }

    /** PostgreSQL 17 (1700) put wal_level into the checkpoint copy's padding: the fields read here do not move. */
    @Test
    void theSeventeenFormatReadsTheSameFields() throws IOException {
        byte[] good = resource(STOPPED);
        byte[] pg17 = EditedControlFile.withCrc(good, ByteOrder.LITTLE_ENDIAN, b -> b.putInt(8, 1700).putInt(40 + 20, 1));
        ControlFile fifteen = ControlFile.parse(good, "15");
        ControlFile seventeen = ControlFile.parse(pg17, "17");
        assertEquals(1700, seventeen.controlVersion());
        assertEquals("17", seventeen.serverVersions());
        assertEquals(fifteen.checkpoint(), seventeen.checkpoint());
        assertEquals(fifteen.timeline(), seventeen.timeline());
        assertEquals(fifteen.systemIdentifier(), seventeen.systemIdentifier());
        assertEquals(fifteen.state(), seventeen.state());
    }

    /** A big-endian server writes every field (and the CRC) in its order; the version field tells which. */
    @Test
    void aBigEndianServersFileReadsTheSame() throws IOException {
        byte[] little = resource(STOPPED);
        ByteBuffer in = ByteBuffer.wrap(little).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.wrap(little.clone()).order(ByteOrder.BIG_ENDIAN);
        for (int offset : new int[] {0, 24, 32, 40, 136, 152, 160, 208}) {
            out.putLong(offset, in.getLong(offset));
        }
        for (int offset : new int[] {8, 12, 16, 48, 52, 172, 180, 184, 188, 192, 196, 216, 228, 252}) {
            out.putInt(offset, in.getInt(offset));
        }
        byte[] big = EditedControlFile.withCrc(out.array(), ByteOrder.BIG_ENDIAN, b -> { });
        assertEquals(ControlFile.parse(little, "little"), ControlFile.parse(big, "big"));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ControlFileTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("no test resource " + name);
            }
            return in.readAllBytes();
        }
    }

    private static String text(String name) throws IOException {
        return new String(resource(name), StandardCharsets.UTF_8);
    }
}
