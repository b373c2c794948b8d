package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.RealS3;
import dev.shelter.testing.S3Server;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Shelter as a hostile client meets it: malformed and mistyped JSON, duplicate keys, huge and
 * stalled bodies, traversal in paths plain and encoded, control characters, wrong methods and
 * content types, tokens in URLs, a forged Host, concurrent duplicates. Every refusal must be a
 * 4xx with the JSON error body, and nothing may change: the backups, the archives, PostgreSQL
 * running and never stopped. A real PostgreSQL 15, the filesystem and a real S3 server.
 */
@RealPostgresBinaries
@RealS3
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputIT {

    private static final String ADMIN = "hostile-it-admin-token-0123";
    private static final String OPERATOR = "hostile-it-operator-token-45";
    private static final String VIEWER = "hostile-it-viewer-token-6789";
    /** Words that would mean an internal name or a stack trace reached a client. */
    private static final List<String> INTERNALS = List.of("dev.shelter", "com.fasterxml", "org.eclipse", "org.glassfish",
            "Exception", "\tat ", "Feature.", "Constraints", "CoercionConfig", "java.lang");

    private final PostgresBinaries binaries;
    private final S3Server s3;
    private ScratchDirectory scratch;
    private Path root;
    private Path log;
    private String bucket;
    private PostgresInstance postgres;
    private InProcessShelter shelter;
    private RawHttp http;
    private RawHttp admin;
    private String startedAt;
    private String completedBackup;

    HostileInputIT(PostgresBinaries binaries, S3Server s3) {
        this.binaries = binaries;
        this.s3 = s3;
    }

    @BeforeAll
    void startPostgresAndShelter() throws Exception {
        scratch = ScratchDirectory.create("shelter-hostile-it");
        root = scratch.path();
        log = root.resolve("shelter.log");
        postgres = PostgresInstance.create(binaries, root.resolve("pg"));
        postgres.start();
        bucket = s3.createBucket("hostile");
        Files.createDirectories(root.resolve("plain-archive"));
        Files.createDirectories(root.resolve("shelter-archive"));
        Path config = root.resolve("shelter.yml");
        Files.writeString(config, """
                server:
                  applicationConnectors: [{type: http, port: 0, bindHost: 127.0.0.1, idleTimeout: 3s}]
                  adminConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
                  requestLog: {appenders: [{type: file, currentLogFilename: "%1$s", archive: false}]}
                logging:
                  level: INFO
                  appenders: [{type: file, currentLogFilename: "%1$s", archive: false}]
                auth:
                  tokens:
                    - {name: it-admin, role: admin, token: %2$s}
                    - {name: it-operator, role: operator, token: %3$s}
                    - {name: it-viewer, role: viewer, token: %4$s}
                clusters:
                  - name: main
                    target: {kind: local, dataDirectory: "%5$s", binDirectory: "%6$s"}
                    postgres: {jdbcUrl: "%7$s", user: postgres, password: "%8$s"}
                    volumes: [{role: pgdata, source: "%5$s"}]
                    snapshots: {kind: local-directory, directory: "%9$s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%10$s"}}
                    backups: {walTimeoutSeconds: 120}
                  - name: shelter-fs
                    target: {kind: local, dataDirectory: "%5$s", binDirectory: "%6$s"}
                    postgres: {jdbcUrl: "%7$s", user: postgres, password: "%8$s"}
                    volumes: [{role: pgdata, source: "%5$s"}]
                    snapshots: {kind: local-directory, directory: "%9$s"}
                    walArchive: {format: shelter, store: {kind: filesystem, directory: "%11$s"}}
                  - name: shelter-s3
                    target: {kind: local, dataDirectory: "%5$s", binDirectory: "%6$s"}
                    postgres: {jdbcUrl: "%7$s", user: postgres, password: "%8$s"}
                    volumes: [{role: pgdata, source: "%5$s"}]
                    snapshots: {kind: local-directory, directory: "%9$s"}
                """.formatted(log, ADMIN, OPERATOR, VIEWER, postgres.dataDirectory(), binaries.directory(), postgres.jdbcUrl(),
                postgres.password(), root.resolve("snapshots"), root.resolve("plain-archive"), root.resolve("shelter-archive"))
                + InProcessShelter.s3ObjectStore(s3, bucket, root.resolve("s3.secret")) + "\n");
        shelter = InProcessShelter.startOn(config, ADMIN);
        http = new RawHttp(shelter.port());
        admin = new RawHttp(shelter.adminPort());
        startedAt = postgres.queryValue("SELECT pg_postmaster_start_time()");
        // The WAL the backup waits for comes from PostgreSQL's own archive_command, copied into the plain archive.
        archiveWith("main");
        ShelterClient.Answer started = shelter.client().post("/api/v1/clusters/main/backups", "{\"label\":\"hostile target\"}");
        assertEquals(202, started.status(), started.text());
        completedBackup = started.body().path("id").asText();
        JsonNode done = shelter.client().awaitEnd(completedBackup);
        assertEquals("completed", done.path("state").asText(), done.toString());
    }

    @AfterAll
    void stopEverything() throws Exception {
        if (shelter != null) {
            shelter.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (bucket != null) {
            s3.deleteBucket(bucket);
        }
        if (scratch != null) {
            scratch.close();
        }
    }

    /** At least 200 hostile requests across the classes; each a 4xx JSON refusal; nothing changed afterwards. */
    @Test
    void hostileRequestsAreRefusedWithJsonErrorsAndChangeNothing() throws Exception {
        State before = state();
        List<Case> cases = new ArrayList<>();
        String backups = "POST /api/v1/clusters/main/backups HTTP/1.1";
        String inspection = "POST /api/v1/clusters/main/inspection HTTP/1.1";

        // Invalid JSON.
        for (String body : List.of("{", "}", "{\"mode\":", "{\"mode\" \"online\"}", "{mode: 'online'}", "{'mode':'online'}",
                "{\"mode\":\"online\",}", "[", "nul", "tru", "{\"label\":\"a\" \"b\"}", "{\"label\":\"unterminated}",
                "{\"label\":\"\\x41\"}", "{\"label\":\"\\u12\"}", "{/*c*/}", "{\"a\":1}{", "\u0000", "{\"mode\":\"online\"}}",
                "{\"mode\":\"online\"} []", "{\"label\":01}", "{\"label\":1e999999}", "{\"label\":NaN}", "{\"label\":-}")) {
            cases.add(new Case("invalid JSON " + body, backups, json(OPERATOR), body.getBytes(StandardCharsets.UTF_8), 400));
        }
        // Not an object, explicit nulls, a byte-order mark.
        for (String body : List.of("null", "[]", "[{}]", "\"online\"", "42", "true", "{\"mode\":null}", "{\"label\":null}",
                "{\"fastCheckpoint\":null}", "{\"confirm\":null}")) {
            cases.add(new Case("not an object or null " + body, backups, json(OPERATOR), body.getBytes(StandardCharsets.UTF_8), 400));
        }
        cases.add(new Case("byte-order mark", backups, json(OPERATOR), concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                "{}".getBytes(StandardCharsets.UTF_8)), 400));
        // Wrong types and near-miss values.
        for (String body : List.of("{\"mode\":\"ONLINE\"}", "{\"mode\":\"Offline\"}", "{\"mode\":\" online\"}", "{\"mode\":\"\"}",
                "{\"mode\":1}", "{\"mode\":true}", "{\"mode\":[\"online\"]}", "{\"mode\":{\"v\":\"online\"}}",
                "{\"label\":5}", "{\"label\":5.5}", "{\"label\":false}", "{\"label\":[\"x\"]}", "{\"label\":{}}",
                "{\"fastCheckpoint\":1}", "{\"fastCheckpoint\":0}", "{\"fastCheckpoint\":\"true\"}", "{\"fastCheckpoint\":\"yes\"}",
                "{\"fastCheckpoint\":[]}", "{\"modes\":\"online\"}", "{\"Mode\":\"online\"}", "{\"label\":\"" + "x".repeat(101) + "\"}",
                "{\"label\":\"\"}", "{\"label\":\"a;b\"}", "{\"label\":\"a\\nb\"}", "{\"label\":\"a\\u0000b\"}", "{\"label\":\"tab\\there\"}",
                "{\"label\":\"\\u202Eevil\"}", "{\"label\":\"quote'\"}", "{\"confirm\":5,\"mode\":\"offline\"}")) {
            cases.add(new Case("wrong type or value " + body, backups, json(OPERATOR), body.getBytes(StandardCharsets.UTF_8), 400));
        }
        for (String body : List.of("{\"timeoutSeconds\":\"5\"}", "{\"timeoutSeconds\":5.5}", "{\"timeoutSeconds\":true}",
                "{\"timeoutSeconds\":null}", "{\"timeoutSeconds\":0}", "{\"timeoutSeconds\":61}", "{\"timeoutSeconds\":-1}",
                "{\"timeoutSeconds\":99999999999}", "{\"timeoutSeconds\":[5]}", "{\"timeout\":5}")) {
            cases.add(new Case("inspection " + body, inspection, json(OPERATOR), body.getBytes(StandardCharsets.UTF_8), 400));
        }
        // Duplicate keys, the offline backup without its confirmation.
        for (String body : List.of("{\"mode\":\"online\",\"mode\":\"offline\"}", "{\"mode\":\"offline\",\"mode\":\"online\"}",
                "{\"label\":\"a\",\"label\":\"b\"}", "{\"mode\":\"offline\",\"confirm\":\"main\",\"confirm\":\"main\"}",
                "{\"mode\":\"offline\"}", "{\"mode\":\"offline\",\"confirm\":\"Main\"}", "{\"mode\":\"offline\",\"confirm\":\"other\"}",
                "{\"mode\":\"offline\",\"confirm\":\"\"}", "{\"mode\":\"offline\",\"confirm\":\"main \"}")) {
            cases.add(new Case("duplicate or unconfirmed " + body, backups, json(OPERATOR), body.getBytes(StandardCharsets.UTF_8), 400));
        }
        // Bodies over the cap: declared, or found while reading.
        cases.add(new Case("20 KiB of whitespace", backups, json(OPERATOR), concat(" ".repeat(20_000).getBytes(StandardCharsets.UTF_8),
                "{}".getBytes(StandardCharsets.UTF_8)), 413));
        cases.add(new Case("a long label", backups, json(OPERATOR), ("{\"label\":\"" + "y".repeat(40_000) + "\"}")
                .getBytes(StandardCharsets.UTF_8), 413));
        // Wrong methods.
        for (String method : List.of("TRACE", "CONNECT", "PROPFIND", "OPTIONS", "PATCH", "FOO", "MKCOL", "LOCK")) {
            for (String path : List.of("/api/v1/clusters", "/api/v1/clusters/main/backups", "/api/v1/backups/" + completedBackup,
                    "/api/v1/clusters/main/wal/00000002.history")) {
                // CONNECT takes an authority, not a path: the parser refuses it before a method check can (400).
                cases.add(new Case(method + " " + path, method + " " + path + " HTTP/1.1", Map.of("Authorization", "Bearer " + ADMIN),
                        null, "CONNECT".equals(method) ? 400 : 405));
            }
        }
        cases.add(new Case("OPTIONS without a token", "OPTIONS /api/v1/clusters HTTP/1.1", Map.of(), null, 405));
        cases.add(new Case("PUT on a list", "PUT /api/v1/clusters HTTP/1.1", json(ADMIN), "{}".getBytes(StandardCharsets.UTF_8), 405));
        cases.add(new Case("DELETE a cluster", "DELETE /api/v1/clusters/main HTTP/1.1", Map.of("Authorization", "Bearer " + ADMIN),
                null, 405));
        // Wrong content types.
        for (String type : List.of("text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                "application/octet-stream", "image/png", "application/jsonx")) {
            cases.add(new Case("content type " + type, backups, Map.of("Authorization", "Bearer " + OPERATOR, "Content-Type", type),
                    "{}".getBytes(StandardCharsets.UTF_8), 415));
        }
        // Traversal and odd bytes in paths, plain and encoded, on every method that takes a path.
        for (String path : List.of("/api/v1/backups/..%2F..%2Fetc%2Fpasswd", "/api/v1/backups/%2e%2e%2f%2e%2e%2fetc", "/api/v1/backups/a%0aB",
                "/api/v1/backups//" + completedBackup, "/api/v1/backups/%00", "/api/v1/backups/..;", "/api/v1/backups/%252e%252e",
                "/api/v1/clusters/main/wal/..%2F..%2Fpg_hba.conf", "/api/v1/clusters/main/wal/%2e%2e", "/api/v1/clusters/main/wal/a%0ab",
                "/api/v1/clusters/main/wal//00000002.history", "/api/v1/clusters/main/wal/00000002.history%00",
                "/api/v1/clusters/..%2Fmain/wal/00000002.history", "/api/v1/clusters/main/wal/%2Fetc%2Fpasswd",
                "/api/v1/clusters/main/wal/.%2e/.%2e/x", "/api/v1/clusters/main%0d%0aX-Injected:%20yes/wal/00000002.history")) {
            for (String method : List.of("GET", "PUT", "DELETE")) {
                cases.add(new Case(method + " " + path, method + " " + path + " HTTP/1.1",
                        Map.of("Authorization", "Bearer " + ADMIN, "Content-Type", "application/octet-stream"),
                        "PUT".equals(method) ? "x".getBytes(StandardCharsets.UTF_8) : null, 0));
            }
        }
        // WAL names that are not WAL names, and contents that are not what the name says.
        for (String name : List.of("pg_hba.conf", "00000001", "000000010000000000000001.exe", "0000000100000000000000zz",
                "00000000.history", "00000001.history", "00000002.HISTORY", "00000002.history.zst", ".history", "x" .repeat(300),
                "000000010000000000000001.partial.partial", "000000010000000000000001.00000028.backup.x")) {
            cases.add(new Case("WAL name " + name, "PUT /api/v1/clusters/main/wal/" + name + " HTTP/1.1",
                    Map.of("Authorization", "Bearer " + OPERATOR, "Content-Type", "application/octet-stream"),
                    "not wal".getBytes(StandardCharsets.UTF_8), 400));
        }
        cases.add(new Case("a segment of the wrong bytes", "PUT /api/v1/clusters/main/wal/000000010000000000000099 HTTP/1.1",
                Map.of("Authorization", "Bearer " + OPERATOR), new byte[8192], 400));
        cases.add(new Case("an empty history file", "PUT /api/v1/clusters/main/wal/00000007.history HTTP/1.1",
                Map.of("Authorization", "Bearer " + OPERATOR), new byte[0], 400));
        // Control characters and oversize values in headers and query strings.
        cases.add(new Case("limit of words", "GET /api/v1/clusters/main/backups?limit=lots HTTP/1.1",
                Map.of("Authorization", "Bearer " + VIEWER), null, 400));
        cases.add(new Case("negative offset", "GET /api/v1/clusters/main/backups?offset=-1 HTTP/1.1",
                Map.of("Authorization", "Bearer " + VIEWER), null, 400));
        cases.add(new Case("state of control bytes", "GET /api/v1/clusters/main/backups?state=%00%0a HTTP/1.1",
                Map.of("Authorization", "Bearer " + VIEWER), null, 400));
        cases.add(new Case("a limit too large", "GET /api/v1/clusters/main/backups?limit=99999999999999999999 HTTP/1.1",
                Map.of("Authorization", "Bearer " + VIEWER), null, 400));
        cases.add(new Case("a token in the URL", "GET /api/v1/clusters?access_token=" + VIEWER + " HTTP/1.1", Map.of(), null, 400));
        cases.add(new Case("a token in the URL beside a header", "GET /api/v1/clusters?ACCESS_TOKEN=" + VIEWER + " HTTP/1.1",
                Map.of("Authorization", "Bearer " + VIEWER), null, 400));
        cases.add(new Case("a token of control bytes", "GET /api/v1/clusters HTTP/1.1", Map.of("Authorization", "Bearer \u0001\u0002"),
                null, 400));
        cases.add(new Case("a scheme other than Bearer", "GET /api/v1/clusters HTTP/1.1", Map.of("Authorization", "Basic " + VIEWER),
                null, 401));
        cases.add(new Case("a header 40 KiB long", "GET /api/v1/clusters HTTP/1.1", Map.of("Authorization", "Bearer " + VIEWER,
                "X-Padding", "p".repeat(40_000)), null, 431));
        cases.add(new Case("an unknown cluster", "POST /api/v1/clusters/no-such-cluster/backups HTTP/1.1", json(OPERATOR),
                "{}".getBytes(StandardCharsets.UTF_8), 404));
        cases.add(new Case("an unknown backup", "DELETE /api/v1/backups/20200101T000000Z-000000 HTTP/1.1",
                Map.of("Authorization", "Bearer " + ADMIN), null, 404));
        cases.add(new Case("a viewer starting a backup", backups, json(VIEWER), "{}".getBytes(StandardCharsets.UTF_8), 403));
        cases.add(new Case("an operator deleting a backup", "DELETE /api/v1/backups/" + completedBackup + " HTTP/1.1",
                Map.of("Authorization", "Bearer " + OPERATOR), null, 403));

        List<String> problems = new ArrayList<>();
        for (Case c : cases) {
            RawHttp.Reply reply = http.send(c.requestLine(), c.headers(), c.body());
            String problem = problemWith(c, reply);
            if (problem != null) {
                problems.add(c.name() + ": " + problem);
            }
        }
        assertTrue(cases.size() >= 200, "the suite sends at least 200 hostile requests, not " + cases.size());
        assertEquals(List.of(), problems, problems.size() + " of " + cases.size() + " answers were wrong");
        assertEquals(before, state(), "a refused request changed something");
    }

    /** Ten archivers race to put different bytes under one new name, on every archive layout and store. */
    @Test
    void tenConcurrentPutsOfOneNewWalNameStoreExactlyOne() throws Exception {
        for (String cluster : List.of("main", "shelter-fs", "shelter-s3")) {
            String name = "0000000A.history";
            List<RawHttp.Reply> replies = concurrently(10, i -> http.send("PUT /api/v1/clusters/" + cluster + "/wal/" + name + " HTTP/1.1",
                    Map.of("Authorization", "Bearer " + OPERATOR, "Content-Type", "application/octet-stream"),
                    ("9\t0/" + i + "000000\tno recovery target specified\n").getBytes(StandardCharsets.US_ASCII)));
            List<Integer> created = new ArrayList<>();
            for (int i = 0; i < replies.size(); i++) {
                if (replies.get(i).status() == 201) {
                    created.add(i);
                } else {
                    assertEquals(409, replies.get(i).status(), cluster + ": " + replies.get(i));
                    assertJsonError(replies.get(i), 409);
                }
            }
            assertEquals(1, created.size(), cluster + ": writers told their bytes were stored: " + created);
            byte[] kept = shelter.client().walFile(cluster, name);
            assertEquals("9\t0/" + created.get(0) + "000000\tno recovery target specified\n", new String(kept, StandardCharsets.US_ASCII),
                    cluster + ": the stored bytes are the 201's");
        }
    }

    /** Ten parallel deletes of one backup: no 5xx, its snapshot gone, and it answers deleted before and after. */
    @Test
    void tenConcurrentDeletesOfOneBackupDeleteItOnce() throws Exception {
        ShelterClient client = shelter.client();
        ShelterClient.Answer started = client.post("/api/v1/clusters/main/backups", "{\"label\":\"to delete\"}");
        assertEquals(202, started.status(), started.text());
        String id = started.body().path("id").asText();
        JsonNode done = client.awaitEnd(id);
        assertEquals("completed", done.path("state").asText(), done.toString());
        Path snapshot = root.resolve("snapshots").resolve(done.path("snapshots").get(0).path("volume").asText().replace('/', '_'));
        List<String> snapshotNames = new ArrayList<>();
        done.path("snapshots").forEach(s -> snapshotNames.add(s.path("snapshot").asText()));

        List<RawHttp.Reply> replies = concurrently(10, i -> http.send("DELETE /api/v1/backups/" + id + " HTTP/1.1",
                Map.of("Authorization", "Bearer " + ADMIN), null));
        for (RawHttp.Reply reply : replies) {
            assertEquals(200, reply.status(), reply.toString());
            assertEquals("deleted", ShelterClient.JSON.readTree(reply.body()).path("state").asText(), reply.toString());
        }
        try (Stream<Path> left = Files.walk(root.resolve("snapshots"))) {
            List<String> remaining = left.map(Path::toString).filter(p -> snapshotNames.stream().anyMatch(p::contains)).toList();
            assertEquals(List.of(), remaining, "no snapshot of the deleted backup remains (" + snapshot + ")");
        }
        assertEquals("deleted", client.get("/api/v1/backups/" + id).body().path("state").asText());
    }

    @Test
    void anOfflineBackupNeedsItsConfirmationAndADuplicateModeNeverStopsPostgres() throws Exception {
        for (String body : List.of("{\"mode\":\"online\",\"mode\":\"offline\"}", "{\"mode\":\"offline\"}",
                "{\"mode\":\"offline\",\"confirm\":\"shelter-fs\"}")) {
            RawHttp.Reply reply = http.send("POST /api/v1/clusters/main/backups HTTP/1.1", json(OPERATOR),
                    body.getBytes(StandardCharsets.UTF_8));
            assertJsonError(reply, 400);
        }
        RawHttp.Reply unconfirmed = http.send("POST /api/v1/clusters/main/backups HTTP/1.1", json(OPERATOR),
                "{\"mode\":\"offline\"}".getBytes(StandardCharsets.UTF_8));
        String message = ShelterClient.JSON.readTree(unconfirmed.body()).path("message").asText();
        assertTrue(message.contains("\"confirm\": \"main\""), "the refusal says how to confirm: " + message);
        assertEquals(startedAt, postgres.queryValue("SELECT pg_postmaster_start_time()"), "PostgreSQL was never stopped");
    }

    /** A body that stops arriving is 408 and a WARN line, and one that breaks off is never an ERROR with a stack trace. */
    @Test
    void stalledAndAbortedBodiesAreTheClientsFault() throws Exception {
        RawHttp.Reply stalledWal = http.sendAndStall("PUT /api/v1/clusters/main/wal/00000005.history HTTP/1.1",
                Map.of("Authorization", "Bearer " + OPERATOR, "Content-Type", "application/octet-stream"), 1_000_000,
                "0123456789".getBytes(StandardCharsets.US_ASCII));
        assertJsonError(stalledWal, 408);
        RawHttp.Reply stalledJson = http.sendAndStall("POST /api/v1/clusters/main/backups HTTP/1.1", json(OPERATOR), 100,
                "{\"label\"".getBytes(StandardCharsets.US_ASCII));
        assertJsonError(stalledJson, 408);
        for (int i = 0; i < 3; i++) {
            http.sendAndHangUp("PUT /api/v1/clusters/main/wal/00000006.history HTTP/1.1",
                    Map.of("Authorization", "Bearer " + OPERATOR, "Content-Type", "application/octet-stream"), 1_000_000,
                    new byte[5000]);
        }
        String logged = awaitLogged("stalled-and-aborted");
        List<String> warnings = logged.lines().filter(line -> line.startsWith("WARN") || line.startsWith("ERROR")).toList();
        assertTrue(warnings.stream().anyMatch(line -> line.startsWith("WARN") && line.contains("stopped sending 00000005.history")),
                "the stall is one WARN line: " + warnings);
        assertEquals(List.of(), warnings.stream().filter(line -> line.startsWith("ERROR")).toList(), "a client's stall or hang-up is no ERROR");
        assertFalse(logged.contains("\tat ") || logged.lines().anyMatch(line -> line.startsWith("! ")), "no stack trace in the log: "
                + warnings);
        assertTrue(shelter.client().get("/api/v1/clusters/main/wal").status() == 200);
        assertEquals(404, http.send("GET /api/v1/clusters/main/wal/00000005.history HTTP/1.1",
                Map.of("Authorization", "Bearer " + OPERATOR), null).status(), "nothing of a stalled upload is stored");
    }

    /** 100 MB of whitespace, streamed: refused with 413 as soon as the cap is passed, not parsed to the end. */
    @Test
    void aHundredMegabyteJsonBodyIs413() {
        byte[] body = new byte[100 * 1024 * 1024];
        java.util.Arrays.fill(body, (byte) ' ');
        body[body.length - 2] = '{';
        body[body.length - 1] = '}';
        RawHttp.Reply declared = http.send("POST /api/v1/clusters/main/backups HTTP/1.1", json(OPERATOR), body);
        assertJsonError(declared, 413);
        RawHttp.Reply chunked = http.send("POST /api/v1/clusters/main/backups HTTP/1.1",
                Map.of("Authorization", "Bearer " + OPERATOR, "Content-Type", "application/json", "Transfer-Encoding", "chunked"),
                chunked(body, 1 << 20));
        assertJsonError(chunked, 413);
        RawHttp.Reply wal = http.send("PUT /api/v1/clusters/main/wal/00000008.history HTTP/1.1",
                Map.of("Authorization", "Bearer " + OPERATOR, "Content-Type", "application/octet-stream"), body);
        assertJsonError(wal, 413);
    }

    /** The token goes in the header only: a URL token is refused, and no token of any kind reaches the log. */
    @Test
    void tokensInUrlsAreRefusedAndNoTokenReachesTheLog() throws Exception {
        for (String token : List.of(VIEWER, OPERATOR, ADMIN)) {
            assertJsonError(http.send("GET /api/v1/clusters?access_token=" + token + " HTTP/1.1", Map.of(), null), 400);
            assertJsonError(http.send("GET /api/v1/backups/" + completedBackup + "?access_token=" + token + " HTTP/1.1",
                    Map.of("Authorization", "bearer " + token), null), 400);
            assertJsonError(admin.send("GET /threads?access_token=" + token + " HTTP/1.1", Map.of(), null), 400);
            assertEquals(200, http.send("GET /api/v1/clusters HTTP/1.1", Map.of("Authorization", "bearer " + token), null).status(),
                    "the scheme is matched without regard to case (RFC 7235)");
        }
        RawHttp.Reply refused = http.send("GET /api/v1/clusters?access_token=x HTTP/1.1", Map.of(), null);
        assertTrue(refused.body().contains("Authorization: Bearer"), "the refusal says where a token goes: " + refused.body());
        String logged = awaitLogged("tokens");
        for (String token : List.of(VIEWER, OPERATOR, ADMIN)) {
            assertFalse(logged.contains(token), "a token reached the log");
        }
        assertFalse(logged.contains("access_token"), "no query string reaches the access log");
        assertTrue(logged.contains("\"GET /api/v1/clusters HTTP/1.1\" 400"), "the refused requests are logged, by path:\n" + logged);
    }

    /** A forged Host is never reflected: not in Location, not in a body, not in an error. */
    @Test
    void aForgedHostNeverComesBack() {
        Map<String, String> forged = Map.of("Host", "evil.example", "Authorization", "Bearer " + OPERATOR, "Content-Type", "application/json");
        List<RawHttp.Reply> replies = new ArrayList<>();
        replies.add(http.send("POST /api/v1/clusters/main/backups HTTP/1.1", forged, "{\"label\":\"host check\"}"
                .getBytes(StandardCharsets.UTF_8)));
        replies.add(http.send("GET /api/v1/clusters HTTP/1.1", forged, null));
        replies.add(http.send("GET /api/v1/nope HTTP/1.1", forged, null));
        replies.add(http.send("GET /api HTTP/1.1", forged, null));
        replies.add(http.send("GET /api/v1/backups/%zz HTTP/1.1", forged, null));
        replies.add(http.send("GET /api/openapi.yaml HTTP/1.1", forged, null));
        replies.add(admin.send("GET / HTTP/1.1", forged, null));
        replies.add(admin.send("GET /healthcheck HTTP/1.1", forged, null));
        for (RawHttp.Reply reply : replies) {
            assertFalse(reply.raw().contains("evil.example"), "the Host header came back:\n" + reply);
        }
        RawHttp.Reply created = replies.get(0);
        assertEquals(202, created.status(), created.toString());
        assertTrue(created.header("Location").startsWith("/api/v1/backups/"), "Location is relative: " + created.header("Location"));
        shelter.client().awaitEnd(created.header("Location").substring("/api/v1/backups/".length()));
    }

    /** Tasks and diagnostics on the admin port need the admin role; probes and scraping stay open. */
    @Test
    void theAdminPortGuardsItsTasksAndLeavesProbesOpen() throws Exception {
        for (String path : List.of("/tasks/log-level", "/tasks/gc")) {
            String request = "POST " + path + "?logger=ROOT&level=TRACE HTTP/1.1";
            assertJsonError(admin.send(request, Map.of(), new byte[0]), 401);
            assertJsonError(admin.send(request, Map.of("Authorization", "Bearer " + VIEWER), new byte[0]), 403);
            assertJsonError(admin.send(request, Map.of("Authorization", "Bearer " + OPERATOR), new byte[0]), 403);
            assertJsonError(admin.send(request, Map.of("Authorization", "Bearer not-a-token-of-ours"), new byte[0]), 401);
        }
        for (String path : List.of("/threads", "/pprof", "/metrics", "/", "/tasks")) {
            assertJsonError(admin.send("GET " + path + " HTTP/1.1", Map.of(), null), 401);
            assertJsonError(admin.send("GET " + path + " HTTP/1.1", Map.of("Authorization", "Bearer " + OPERATOR), null), 403);
        }
        assertEquals(200, admin.send("GET /threads HTTP/1.1", Map.of("Authorization", "Bearer " + ADMIN), null).status());
        RawHttp.Reply level = admin.send("POST /tasks/log-level?logger=dev.shelter.HostileInputIT&level=DEBUG HTTP/1.1",
                Map.of("Authorization", "Bearer " + ADMIN), new byte[0]);
        assertEquals(200, level.status(), level.toString());
        for (String path : List.of("/healthcheck", "/ping", "/prometheus")) {
            RawHttp.Reply open = admin.send("GET " + path + " HTTP/1.1", Map.of(), null);
            assertEquals(200, open.status(), path + ": " + open);
        }
    }

    /** A refused upload is answered, not cut off: the client that sends its whole body reads the 403 and its reason. */
    @Test
    void aRefusedUploadIsAnsweredNotCutOff() {
        byte[] segment = new byte[16 * 1024 * 1024];
        for (int i = 0; i < 3; i++) {
            RawHttp.Reply refused = http.send("PUT /api/v1/clusters/main/wal/000000010000000000000042 HTTP/1.1",
                    Map.of("Authorization", "Bearer " + VIEWER, "Content-Type", "application/octet-stream"), segment);
            assertJsonError(refused, 403);
            RawHttp.Reply unknown = http.send("PUT /api/v1/clusters/main/wal/000000010000000000000042 HTTP/1.1",
                    Map.of("Authorization", "Bearer wrong-token-for-the-archive", "Content-Type", "application/octet-stream"), segment);
            assertJsonError(unknown, 401);
        }
        // Over a slow link the refusal is ready long before the body has arrived: it must still be read.
        RawHttp.Reply slow = http.sendThrottled("PUT /api/v1/clusters/main/wal/000000010000000000000042 HTTP/1.1",
                Map.of("Authorization", "Bearer " + VIEWER, "Content-Type", "application/octet-stream"), segment, 512 * 1024, 25);
        assertJsonError(slow, 403);
        // With Expect: 100-continue, the refusal comes before the body is sent, and no body is waited for.
        RawHttp.Reply early = http.sendAndStall("PUT /api/v1/clusters/main/wal/000000010000000000000042 HTTP/1.1",
                Map.of("Authorization", "Bearer " + VIEWER, "Expect", "100-continue"), segment.length, new byte[0]);
        assertJsonError(early, 403);
    }

    /**
     * As a real archive_command sends: curl with a 16 MiB segment and a token too weak to archive,
     * once as curl sends by default (Expect: 100-continue for a large body) and once without it.
     * Either way curl reads the 403 and exits 22, rather than failing on a reset connection.
     */
    @Test
    void archiveCommandsCurlReadsTheRefusalOfItsUpload() throws Exception {
        Path segment = root.resolve("segment-for-curl");
        Files.write(segment, new byte[16 * 1024 * 1024]);
        Path tokenFile = root.resolve("viewer.token");
        Files.writeString(tokenFile, VIEWER);
        for (List<String> expect : List.of(List.<String>of(), List.of("-H", "Expect:"))) {
            List<String> command = new ArrayList<>(List.of("curl", "-sSf", "-X", "PUT", "-H", "Authorization: Bearer " + VIEWER,
                    "-H", "Content-Type: application/octet-stream", "--data-binary", "@" + segment));
            command.addAll(expect);
            command.add("http://127.0.0.1:" + shelter.port() + "/api/v1/clusters/main/wal/000000010000000000000043");
            Process curl = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            String stderr = new String(curl.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(curl.waitFor(120, TimeUnit.SECONDS), "curl did not finish");
            assertEquals(22, curl.exitValue(), "curl " + expect + " must see the HTTP error, not a broken connection: " + stderr);
            assertTrue(stderr.contains("403"), stderr);
        }
    }

    private String problemWith(Case c, RawHttp.Reply reply) {
        if (reply.status() >= 500) {
            return "answered " + reply.status() + ": " + reply;
        }
        if (c.expected() == 0 ? reply.status() < 400 : reply.status() != c.expected()) {
            return "expected " + (c.expected() == 0 ? "a 4xx" : c.expected()) + ", got " + reply;
        }
        try {
            assertJsonError(reply, reply.status());
            return null;
        } catch (AssertionError e) {
            return e.getMessage();
        }
    }

    private static void assertJsonError(RawHttp.Reply reply, int expected) {
        assertEquals(expected, reply.status(), reply.toString());
        assertTrue(reply.header("Content-Type").startsWith("application/json"), "not JSON: " + reply);
        JsonNode body;
        try {
            body = ShelterClient.JSON.readTree(reply.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + reply, e);
        }
        assertEquals(expected, body.path("code").asInt(), reply.toString());
        assertFalse(body.path("message").asText().isBlank(), "no message: " + reply);
        for (String internal : INTERNALS) {
            assertFalse(reply.body().contains(internal), "names an internal ('" + internal + "'): " + reply.body());
        }
    }

    /** Backups, archive contents, and PostgreSQL's start time: what a refused request must not change. */
    private record State(List<String> backups, Map<String, String> archives, String postgresStartedAt, String backupMode) {
    }

    private State state() throws Exception {
        List<String> backups = new ArrayList<>();
        for (String cluster : List.of("main", "shelter-fs", "shelter-s3")) {
            JsonNode page = shelter.client().get("/api/v1/clusters/" + cluster + "/backups?limit=500").body();
            page.path("items").forEach(b -> backups.add(b.path("id").asText() + " " + b.path("state").asText()));
        }
        Map<String, String> archives = new TreeMap<>();
        for (Path directory : List.of(root.resolve("plain-archive"), root.resolve("shelter-archive"))) {
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    archives.put(file.toString(), sha256(Files.readAllBytes(file)));
                }
            }
        }
        try (S3Client client = s3.newClient()) {
            for (S3Object object : client.listObjectsV2Paginator(b -> b.bucket(bucket)).contents()) {
                archives.put("s3:" + object.key(), object.eTag());
            }
        }
        // PostgreSQL 15 shows no view of non-exclusive backup mode; Shelter holds it only in a session named shelter-backup-<id>.
        String backupMode = postgres.queryValue("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'shelter-backup-%'");
        return new State(backups, archives, postgres.queryValue("SELECT pg_postmaster_start_time()"), backupMode);
    }

    /** Sends a marker request and waits until the (asynchronous) log holds it; returns the whole log. */
    private String awaitLogged(String label) throws Exception {
        String marker = "/api/v1/clusters/marker-" + label + "-" + System.nanoTime();
        http.send("GET " + marker + " HTTP/1.1", Map.of("Authorization", "Bearer " + VIEWER), null);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            if (text.contains(marker)) {
                return text;
            }
            Thread.onSpinWait();
            TimeUnit.MILLISECONDS.sleep(50);
        }
        return fail("the log never showed the marker request " + marker);
    }

    private void archiveWith(String cluster) throws Exception {
        postgres.queryValue("SELECT 'archive_command set'");
        try (var c = postgres.connect(); var s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET archive_command = 'cp %p " + root.resolve("plain-archive") + "/%f'");
            s.execute("SELECT pg_reload_conf()");
        }
        PostgresInstance.chownToServerUser(root.resolve("plain-archive"));
    }

    private static <T> List<T> concurrently(int count, java.util.function.IntFunction<T> request) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                futures.add(pool.submit(() -> {
                    start.await();
                    return request.apply(n);
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(120, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Map<String, String> json(String token) {
        return Map.of("Authorization", "Bearer " + token, "Content-Type", "application/json");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    private static byte[] chunked(byte[] body, int chunk) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int at = 0; at < body.length; at += chunk) {
            int length = Math.min(chunk, body.length - at);
            out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, at, length);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** One hostile request: {@code expected} is its status, or 0 for "any 4xx". */
    private record Case(String name, String requestLine, Map<String, String> headers, byte[] body, int expected) {
    }
}
