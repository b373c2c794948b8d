package dev.shelter.runbooks.restore;

import com.sun.net.httpserver.HttpServer;
import dev.shelter.runbooks.backup.ClusterName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The restore_command as PostgreSQL runs it (sh, in the data directory, %f and %p replaced) with
 * the real curl, against a small HTTP server standing in for Shelter's WAL endpoint: what each
 * answer makes it exit with, since PostgreSQL reads 1 as "not archived" and 255 as "stop".
 */
class RestoreCommandTest {

    private static final String SEGMENT = "000000010000000000000003";

    @TempDir
    Path pgdata;
    private HttpServer shelter;
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private Path tokenFile;

    @BeforeEach
    void startShelterStandIn() throws IOException {
        Files.createDirectories(pgdata.resolve("pg_wal"));
        tokenFile = pgdata.resolveSibling(pgdata.getFileName() + ".token");
        Files.writeString(tokenFile, "secret");
        shelter = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        shelter.createContext("/api/v1/clusters/main/wal/", exchange -> {
            String file = exchange.getRequestURI().getPath().replaceAll(".*/", "");
            asked.add(file);
            byte[] body = file.equals(SEGMENT) ? "segment bytes".getBytes(StandardCharsets.UTF_8) : new byte[0];
            int status = file.equals(SEGMENT) ? 200 : file.equals("00000002.history") ? 404 : 503;
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        shelter.start();
    }

    @AfterEach
    void stop() throws IOException {
        shelter.stop(0);
        Files.deleteIfExists(tokenFile);
    }

    @Test
    void inRecoveryAnArchivedFileIsFetchedAMissingOneEndsRecoveryAndAnyOtherFailureStopsIt() throws Exception {
        Files.writeString(pgdata.resolve("recovery.signal"), "");

        assertEquals(0, run(command(shelterUrl()), SEGMENT));
        assertEquals("segment bytes", Files.readString(pgdata.resolve("pg_wal/RECOVERYXLOG")));
        assertEquals(1, run(command(shelterUrl()), "00000002.history"), "404: not archived");
        assertEquals(255, run(command(shelterUrl()), "00000001.history"), "503: stop, never take it for the end of WAL");
        assertEquals(255, run(command(deadUrl()), SEGMENT), "Shelter unreachable: stop");
        assertFalse(Files.exists(pgdata.resolve("pg_wal/RECOVERYXLOG.part")), "no partial file left");
    }

    @Test
    void aStandbyStopsOnAFailureToo() throws Exception {
        Files.writeString(pgdata.resolve("standby.signal"), "");

        assertEquals(255, run(command(deadUrl()), SEGMENT));
    }

    /**
     * PostgreSQL removes recovery.signal, then fetches the parent timeline's history. Stopped there
     * by a 255, it would come back in crash recovery past the target: without a signal file the
     * command asks nothing and exits 1, and PostgreSQL reads the copy it kept in pg_wal.
     */
    @Test
    void withoutASignalFileNothingIsFetchedAndTheServerUsesItsOwnCopy() throws Exception {
        assertEquals(1, run(command(shelterUrl()), "00000001.history"));
        assertEquals(1, run(command(deadUrl()), "00000001.history"));
        assertTrue(asked.isEmpty(), "asked " + asked);
    }

    private String command(String url) {
        return RestoreCommand.curl(url, new ClusterName("main"), tokenFile.toString());
    }

    private String shelterUrl() {
        return "http://127.0.0.1:" + shelter.getAddress().getPort() + "/";
    }

    private static String deadUrl() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    /** Runs it as PostgreSQL's RestoreArchivedFile does: %f, %p and %% replaced, sh -c, in the data directory. */
    private int run(String restoreCommand, String file) throws Exception {
        String command = restoreCommand.replace("%%", "\u0000").replace("%f", file).replace("%p", "pg_wal/RECOVERYXLOG")
                .replace("\u0000", "%");
        Process process = new ProcessBuilder("sh", "-c", command).directory(pgdata.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the command ends");
        return process.exitValue();
    }
}
