package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupMode;
import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.BlobManifestStore;
import dev.shelter.runbooks.catalog.ManifestCodec;
import dev.shelter.service.config.ShelterConfiguration;
import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import dev.shelter.testing.ScratchDirectory;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Roles on the backup and WAL endpoints, as the README's table gives them (viewer &lt; operator &lt;
 * admin; no or an unknown token 401, a role too low 403), and the archive endpoint's 64 MiB cap.
 * Shelter runs in-process with no PostgreSQL (its URL names a closed port, so starting a backup
 * answers 503 once past the role check), a plain WAL archive and a filesystem object store that
 * holds two failed backups before it starts: one that no refused DELETE may touch, one for the admin.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackupAndWalEndpointsTest {

    private static final String VIEWER = "roles-test-viewer-token";
    private static final String OPERATOR = "roles-test-operator-token";
    private static final String ADMIN = "roles-test-admin-token";
    private static final String KEPT = "20261121T101500Z-00000a";
    private static final String FOR_ADMIN = "20261121T101500Z-00000b";
    private static final byte[] HISTORY = "1\t0/3000000\tno recovery target specified\n".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_WAL_BYTES = 64 * 1024 * 1024; // README: "body = the bytes, at most 64 MiB"
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScratchDirectory scratch;
    private Path archive;
    private DropwizardTestSupport<ShelterConfiguration> app;

    @BeforeAll
    void startShelterOnAStoreWithTwoBackups() throws Exception {
        scratch = ScratchDirectory.create("shelter-roles-test");
        Path store = scratch.resolve("store");
        archive = scratch.resolve("archive");
        try (FsBlobStore blobs = FsBlobStore.open(new FsBlobStoreConfig(store))) {
            BlobManifestStore manifests = new BlobManifestStore(blobs, new ManifestCodec());
            for (String id : new String[] {KEPT, FOR_ADMIN}) {
                BackupRequest request = new BackupRequest(new BackupId(id), new ClusterName("main"), BackupMode.ONLINE, "roles", true,
                        Instant.parse("2026-11-21T10:15:00Z"));
                manifests.put(BackupManifest.running(request).failed("seeded by the test", Instant.parse("2026-11-21T10:16:00Z")));
            }
        }
        try (FsBlobStore blobs = FsBlobStore.open(new FsBlobStoreConfig(archive))) {
            blobs.put(new BlobKey("00000005.history"), HISTORY);
        }
        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.viewer(VIEWER), InProcessShelter.operator(OPERATOR),
                InProcessShelter.admin(ADMIN)) + """
                clusters:
                  - name: main
                    target: {kind: local, dataDirectory: "%s"}
                    postgres: {jdbcUrl: "jdbc:postgresql://127.0.0.1:1/postgres", user: postgres, password: not-used}
                    volumes: [{role: pgdata, source: "%s"}]
                    snapshots: {kind: local-directory, directory: "%s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%s"}}
                objectStore: {kind: filesystem, directory: "%s"}
                """.formatted(scratch.resolve("data"), scratch.resolve("data"), scratch.resolve("snapshots"), archive, store));
        app = new DropwizardTestSupport<>(ShelterApplication.class, config.toString(),
                ConfigOverride.config("stateDirectory", scratch.resolve("shelter-state").toString()));
        app.before();
    }

    @AfterAll
    void stopShelter() throws IOException {
        if (app != null) {
            app.after();
        }
        if (scratch != null) {
            scratch.close();
        }
    }

    @ParameterizedTest(name = "{0} {1} as {2} -> {3}")
    @CsvSource({
            // POST starts a backup: operator. Past the role check PostgreSQL does not answer: 503.
            "POST,   /api/v1/clusters/main/backups,                       none,     401",
            "POST,   /api/v1/clusters/main/backups,                       bad,      401",
            "POST,   /api/v1/clusters/main/backups,                       viewer,   403",
            "POST,   /api/v1/clusters/main/backups,                       operator, 503",
            "POST,   /api/v1/clusters/main/backups,                       admin,    503",
            "GET,    /api/v1/clusters/main/backups,                       none,     401",
            "GET,    /api/v1/clusters/main/backups,                       bad,      401",
            "GET,    /api/v1/clusters/main/backups,                       viewer,   200",
            "GET,    /api/v1/clusters/main/backups,                       operator, 200",
            "GET,    /api/v1/clusters/main/backups,                       admin,    200",
            "GET,    /api/v1/backups/" + KEPT + ",                        none,     401",
            "GET,    /api/v1/backups/" + KEPT + ",                        bad,      401",
            "GET,    /api/v1/backups/" + KEPT + ",                        viewer,   200",
            "GET,    /api/v1/backups/" + KEPT + ",                        operator, 200",
            "GET,    /api/v1/backups/" + KEPT + ",                        admin,    200",
            // DELETE is admin-only: every refusal is checked below to have left the backup as it was.
            "DELETE, /api/v1/backups/" + KEPT + ",                        none,     401",
            "DELETE, /api/v1/backups/" + KEPT + ",                        bad,      401",
            "DELETE, /api/v1/backups/" + KEPT + ",                        viewer,   403",
            "DELETE, /api/v1/backups/" + KEPT + ",                        operator, 403",
            "DELETE, /api/v1/backups/" + FOR_ADMIN + ",                   admin,    200",
            "GET,    /api/v1/clusters/main/wal,                           none,     401",
            "GET,    /api/v1/clusters/main/wal,                           bad,      401",
            "GET,    /api/v1/clusters/main/wal,                           viewer,   200",
            "GET,    /api/v1/clusters/main/wal,                           operator, 200",
            "GET,    /api/v1/clusters/main/wal,                           admin,    200",
            // PUT of a WAL file: operator. Each allowed role stores a name of its own; refused ones try 00000004.
            "PUT,    /api/v1/clusters/main/wal/00000004.history,          none,     401",
            "PUT,    /api/v1/clusters/main/wal/00000004.history,          bad,      401",
            "PUT,    /api/v1/clusters/main/wal/00000004.history,          viewer,   403",
            "PUT,    /api/v1/clusters/main/wal/00000002.history,          operator, 201",
            "PUT,    /api/v1/clusters/main/wal/00000003.history,          admin,    201",
            // GET of a WAL file: operator too (restore_command's token), never the viewer.
            "GET,    /api/v1/clusters/main/wal/00000005.history,          none,     401",
            "GET,    /api/v1/clusters/main/wal/00000005.history,          bad,      401",
            "GET,    /api/v1/clusters/main/wal/00000005.history,          viewer,   403",
            "GET,    /api/v1/clusters/main/wal/00000005.history,          operator, 200",
            "GET,    /api/v1/clusters/main/wal/00000005.history,          admin,    200",
    })
    void eachRoleGetsWhatTheReadmeSays(String method, String path, String who, int expected) throws Exception {
        HttpResponse<byte[]> response = send(method, path, tokenOf(who), bodyFor(method));
        String text = new String(response.body(), StandardCharsets.UTF_8);
        assertEquals(expected, response.statusCode(), text);
        if (expected >= 400) {
            assertErrorBody(response, expected);
        }
        if (expected == 503) {
            assertTrue(text.contains("127.0.0.1:1"), "the refusal is PostgreSQL's, past the role check: " + text);
        }
        if (method.equals("GET") && path.endsWith("/wal/00000005.history") && expected == 200) {
            assertArrayEquals(HISTORY, response.body());
        }
        if (method.equals("DELETE") && expected == 200) {
            JsonNode deleted = JSON.readTree(send("GET", path, VIEWER, null).body());
            assertEquals("deleted", deleted.path("state").asText(), "the admin's DELETE deleted: " + deleted);
        }
    }

    /** Schedules: a viewer reads them, an operator makes, changes, pauses and deletes them; no token, nothing. */
    @Test
    void eachRoleGetsWhatTheReadmeSaysOfSchedules() throws Exception {
        byte[] nightly = "{\"kind\": \"backup\", \"cron\": \"0 2 * * *\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals(401, send("POST", "/api/v1/clusters/main/schedules", null, nightly).statusCode());
        assertEquals(403, send("POST", "/api/v1/clusters/main/schedules", VIEWER, nightly).statusCode());
        HttpResponse<byte[]> created = send("POST", "/api/v1/clusters/main/schedules", OPERATOR, nightly);
        assertEquals(201, created.statusCode(), new String(created.body(), StandardCharsets.UTF_8));
        String path = "/api/v1/schedules/" + JSON.readTree(created.body()).path("id").asText();

        assertEquals(401, send("GET", path, null, null).statusCode());
        assertEquals(200, send("GET", path, VIEWER, null).statusCode());
        assertEquals(200, send("GET", "/api/v1/clusters/main/schedules", VIEWER, null).statusCode());
        assertEquals(200, send("GET", path + "/next", VIEWER, null).statusCode());
        byte[] change = "{\"cron\": \"0 3 * * *\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals(403, send("PUT", path, VIEWER, change).statusCode());
        assertEquals(403, send("POST", path + "/pause", VIEWER, new byte[0]).statusCode());
        assertEquals(403, send("DELETE", path, VIEWER, null).statusCode());
        assertEquals("0 2 * * *", JSON.readTree(send("GET", path, VIEWER, null).body()).path("cron").asText(), "refusals changed nothing");
        assertEquals(200, send("PUT", path, OPERATOR, change).statusCode());
        assertEquals(200, send("POST", path + "/pause", OPERATOR, new byte[0]).statusCode());
        assertEquals(200, send("POST", path + "/resume", ADMIN, new byte[0]).statusCode());
        assertEquals(204, send("DELETE", path, OPERATOR, null).statusCode());
        assertErrorBody(send("GET", path, VIEWER, null), 404);
    }

    @Test
    void refusedCallsChangedNothing() throws Exception {
        for (String who : new String[] {"none", "bad", "viewer", "operator"}) {
            send("DELETE", "/api/v1/backups/" + KEPT, tokenOf(who), null);
        }
        for (String who : new String[] {"none", "bad", "viewer"}) {
            send("PUT", "/api/v1/clusters/main/wal/00000004.history", tokenOf(who), HISTORY);
        }
        JsonNode kept = JSON.readTree(send("GET", "/api/v1/backups/" + KEPT, VIEWER, null).body());
        assertEquals("failed", kept.path("state").asText(), "a refused DELETE left the backup: " + kept);
        assertEquals(404, send("GET", "/api/v1/clusters/main/wal/00000004.history", OPERATOR, null).statusCode(),
                "a refused PUT stored nothing");
        assertFalse(Files.exists(archive.resolve("00000004.history")));
    }

    @Test
    void aWalFileOverTheCapIsRefusedAndNothingIsStored() throws Exception {
        byte[] tooLarge = new byte[MAX_WAL_BYTES + 1];
        Arrays.fill(tooLarge, (byte) '1');
        RawAnswer refused = putExpectingContinue("/api/v1/clusters/main/wal/00000006.history", OPERATOR, tooLarge);

        assertTrue(refused.status() >= 400 && refused.status() < 500, "a body over 64 MiB is the client's error: " + refused);
        assertTrue(refused.head().toLowerCase(java.util.Locale.ROOT).contains("content-type: application/json"), refused.toString());
        JsonNode body = JSON.readTree(refused.body());
        assertEquals(refused.status(), body.path("code").asInt(), refused.toString());
        assertFalse(body.path("message").asText().isBlank(), refused.toString());
        assertEquals(404, send("GET", "/api/v1/clusters/main/wal/00000006.history", OPERATOR, null).statusCode(),
                "nothing is archived under that name");
        try (var files = Files.list(archive)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().contains("00000006")), "no file, not even a partial one");
        }
    }

    @Test
    void aWalFileOfExactly64MiBIsTaken() throws Exception {
        byte[] largest = new byte[MAX_WAL_BYTES];
        Arrays.fill(largest, (byte) '1');
        HttpResponse<byte[]> stored = send("PUT", "/api/v1/clusters/main/wal/00000007.history", OPERATOR, largest);
        assertEquals(201, stored.statusCode(), new String(stored.body(), StandardCharsets.UTF_8));
        HttpResponse<byte[]> back = send("GET", "/api/v1/clusters/main/wal/00000007.history", OPERATOR, null);
        assertEquals(200, back.statusCode());
        assertEquals(MAX_WAL_BYTES, back.body().length);
    }

    private static byte[] bodyFor(String method) {
        return switch (method) {
            case "POST" -> "{}".getBytes(StandardCharsets.UTF_8);
            case "PUT" -> HISTORY;
            default -> null;
        };
    }

    private static String tokenOf(String who) {
        return switch (who) {
            case "viewer" -> VIEWER;
            case "operator" -> OPERATOR;
            case "admin" -> ADMIN;
            case "bad" -> "not-a-token-of-this-shelter";
            default -> null;
        };
    }

    private static void assertErrorBody(HttpResponse<byte[]> response, int expected) throws IOException {
        String text = new String(response.body(), StandardCharsets.UTF_8);
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                "an error is JSON, was " + response.headers().firstValue("Content-Type") + ": " + text);
        JsonNode body = JSON.readTree(text);
        assertEquals(expected, body.path("code").asInt(), text);
        assertFalse(body.path("message").asText().isBlank(), text);
    }

    /** One request on a fresh client. */
    private HttpResponse<byte[]> send(String method, String path, String token, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.getLocalPort() + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            request.header("Content-Type", method.equals("PUT") && path.contains("/wal/") ? "application/octet-stream" : "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private record RawAnswer(int status, String head, String body) {
    }

    /**
     * A PUT as curl sends a large body: {@code Expect: 100-continue}, the body only after "100 Continue",
     * and a final answer read either way. (java.net.http waits forever for a 100 that a refusal never
     * sends, on Java 17.) A server that refuses before reading the body may close while it is being
     * written: the answer it sent is still read.
     */
    private RawAnswer putExpectingContinue(String path, String token, byte[] body) throws IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", app.getLocalPort())) {
            socket.setSoTimeout(60_000);
            java.io.OutputStream out = socket.getOutputStream();
            java.io.BufferedInputStream in = new java.io.BufferedInputStream(socket.getInputStream());
            out.write(("PUT " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + body.length
                    + "\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readHead(in);
            if (head.startsWith("HTTP/1.1 100")) {
                try {
                    out.write(body);
                    out.flush();
                } catch (IOException cutOff) {
                    // the server answered before taking the whole body; its answer follows
                }
                head = readHead(in);
            }
            int status = Integer.parseInt(head.substring(9, 12));
            String rest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new RawAnswer(status, head, head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")
                    ? dechunk(rest) : rest);
        }
    }

    private static String dechunk(String chunked) {
        StringBuilder body = new StringBuilder();
        int at = 0;
        while (true) {
            int lineEnd = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, lineEnd).trim(), 16);
            if (size == 0) {
                return body.toString();
            }
            body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            at = lineEnd + 2 + size + 2;
        }
    }

    private static String readHead(java.io.InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("the connection closed inside an answer's head: " + head);
            }
            head.append((char) c);
        }
        return head.toString();
    }
}
