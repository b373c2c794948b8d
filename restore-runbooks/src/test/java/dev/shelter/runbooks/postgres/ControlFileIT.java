package dev.shelter.runbooks.postgres;

import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reader against pg_control files the stack's PostgreSQL 15 writes now, compared field by field
 * with what its pg_controldata prints for the same file: while the server runs, after a clean
 * stop, and with one byte damaged.
 */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControlFileIT {

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance postgres;

    ControlFileIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeAll
    void initdb() {
        scratch = ScratchDirectory.create("shelter-control-file-it");
        postgres = PostgresInstance.create(binaries, scratch.resolve("cluster"));
    }

    @AfterAll
    void removeIt() {
        try {
            if (postgres != null) {
                postgres.close();
            }
        } finally {
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    @Test
    void runningThenCleanlyStoppedThenDamaged() throws Exception {
        postgres.start();
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g");
            s.execute("CHECKPOINT");
        }
        Path running = copyOfPgControl("running");
        ControlFile live = ControlFile.read(running);
        pgControlData(running).assertSameAs(live);
        assertEquals(ControlFile.State.IN_PRODUCTION, live.state());
        assertFalse(live.isCleanlyShutDown());
        assertEquals(postgres.queryValue("SELECT system_identifier::text FROM pg_control_system()"), live.systemIdentifierText());

        postgres.stop();
        ControlFile stopped = ControlFile.read(postgres.dataDirectory());
        pgControlData(postgres.dataDirectory()).assertSameAs(stopped);
        assertTrue(stopped.isCleanlyShutDown());
        assertEquals(live.systemIdentifier(), stopped.systemIdentifier());
        assertTrue(stopped.checkpoint().isAfter(live.checkpoint()), "the shutdown checkpoint comes after the last one seen running");

        byte[] damaged = Files.readAllBytes(postgres.dataDirectory().resolve(ControlFile.PATH));
        damaged[60] ^= 0x01;
        ControlFile.InvalidControlFileException e = assertThrows(ControlFile.InvalidControlFileException.class,
                () -> ControlFile.parse(damaged, "damaged"));
        assertTrue(e.getMessage().startsWith("damaged fails its CRC check"), e.getMessage());
    }

    /** A copy in a data directory of its own, so that pg_controldata reads exactly the bytes the reader read. */
    private Path copyOfPgControl(String name) throws IOException {
        Path copy = Files.createDirectories(scratch.resolve(name).resolve("global"));
        Files.copy(postgres.dataDirectory().resolve(ControlFile.PATH), copy.resolve("pg_control"));
        return copy.getParent();
    }

    private PgControlData pgControlData(Path pgdata) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(binaries.directory().resolve("pg_controldata").toString(), pgdata.toString())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put("LC_ALL", "C");
        builder.environment().put("TZ", "UTC");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "pg_controldata did not finish");
        assertEquals(0, process.exitValue(), output);
        return PgControlData.parse(output);
    }
}
