package dev.shelter.service.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code shelter backup ...} against a stand-in for Shelter's REST API: what it prints, on which
 * stream, and its exit code, for every way a run can go wrong as well as right.
 */
class BackupCommandTest {

    private static final String TOKEN = "cli-test-token";
    private static final String UNAUTHORIZED = "{\"code\":401,\"message\":\"Credentials are required to access this resource.\"}";

    @TempDir
    Path scratch;
    private FakeShelter shelter;
    private Path tokenFile;

    @BeforeEach
    void startShelter() throws IOException {
        shelter = new FakeShelter();
        tokenFile = Files.writeString(scratch.resolve("token"), TOKEN + "\n");
    }

    @AfterEach
    void stopShelter() {
        shelter.close();
    }

    // ---- reaching Shelter: one line that says what to check, exit 1, never a stack trace

    @Test
    void aUrlThatIsNotOneSaysWhatABaseUrlLooksLike() {
        CommandLine.Run run = backup("list", "demo", "--url", "not-a-url", "--token-file", tokenFile.toString());

        assertFailedWithOneLine(run, "shelter backup: the URL 'not-a-url' from --url is not an http or https URL with a host: "
                + "give Shelter's base URL, such as http://127.0.0.1:8080");
        CommandLine.Run spaces = backup("list", "demo", "--url", "http://127.0.0.1:8080/a b", "--token-file", tokenFile.toString());
        assertFailedWithOneLine(spaces, null);
        assertTrue(spaces.err().contains("is not a URL"), spaces.toString());
    }

    @Test
    void aBadUrlFromTheEnvironmentNamesTheVariable() {
        CommandLine.Run run = CommandLine.run(Map.of("SHELTER_URL", "ftp://127.0.0.1/", "SHELTER_TOKEN", TOKEN),
                "backup", "list", "demo");

        assertFailedWithOneLine(run, null);
        assertTrue(run.err().contains("from $SHELTER_URL"), run.toString());
    }

    @Test
    void aRefusedConnectionSaysToCheckThatShelterRunsAndTheUrl() {
        // Nothing listens on port 1 of the loopback address: binding it needs root and no service uses it.
        CommandLine.Run run = backup("list", "demo", "--url", "http://127.0.0.1:1", "--token-file", tokenFile.toString());

        assertFailedWithOneLine(run, "shelter backup: cannot reach Shelter at http://127.0.0.1:1 (from --url): connection refused; "
                + "check that Shelter is running and that --url names its application port (not the admin port)");
        CommandLine.Run fromDefault = CommandLine.run(Map.of("SHELTER_TOKEN", TOKEN), "backup", "show", "x", "--url",
                "http://127.0.0.1:1/");
        assertTrue(fromDefault.err().contains("connection refused"), fromDefault.toString());
    }

    @Test
    void anUnexpectedErrorIsOneLineToo() {
        assertEquals("unexpected IllegalStateException: broken (please report it)",
                BackupCommand.describe(new IllegalStateException("broken")));
        assertEquals("the message", BackupCommand.describe(new CliFailure("the message")));
    }

    // ---- tokens: where they come from, and what a refusal says

    @Test
    void aRefusedTokenIsReportedAsRefusedWithWhereItCameFrom() {
        shelter.answer("GET", "/api/v1/clusters/demo/backups?offset=0&limit=50", 401, UNAUTHORIZED);

        CommandLine.Run fromFile = backup("list", "demo", "--url", shelter.url(), "--token-file", tokenFile.toString());
        assertFailedWithOneLine(fromFile, "shelter backup: cannot list backups of demo: Shelter refused the token from --token-file "
                + tokenFile + " (HTTP 401: Credentials are required to access this resource.); check that it is one of the tokens "
                + "in Shelter's configuration");

        CommandLine.Run fromVariable = CommandLine.run(Map.of("SHELTER_URL", shelter.url(), "SHELTER_TOKEN", "wrong"),
                "backup", "list", "demo");
        assertFailedWithOneLine(fromVariable, null);
        assertTrue(fromVariable.err().contains("Shelter refused the token from $SHELTER_TOKEN (HTTP 401"), fromVariable.toString());
        assertEquals("Bearer wrong", shelter.requests().get(1).authorization(), "the token was sent");
    }

    @Test
    void aTokenWhoseRoleMayNotSaysSo() {
        shelter.answer("GET", "/api/v1/backups/b1", 200, backupJson("b1", "completed", "online", null))
                .answer("DELETE", "/api/v1/backups/b1", 403, "{\"code\":403,\"message\":\"User not authorized.\"}");

        CommandLine.Run run = backup("delete", "b1", "--url", shelter.url(), "--token-file", tokenFile.toString());

        assertFailedWithOneLine(run, "shelter backup: cannot delete backup b1: the token from --token-file " + tokenFile
                + " was accepted, but its role may not do this (HTTP 403: User not authorized.)");
    }

    @Test
    void theTokenComesFromTheOptionThenTheFileVariableThenTheTokenVariable() throws IOException {
        shelter.answer("GET", "/api/v1/backups/b1", 200, backupJson("b1", "completed", "online", null));
        Path other = Files.writeString(scratch.resolve("other"), "  from-variable-file \n");

        assertEquals(0, CommandLine.run(Map.of("SHELTER_TOKEN_FILE", other.toString(), "SHELTER_TOKEN", "from-variable"),
                "backup", "show", "b1", "--url", shelter.url(), "--token-file", tokenFile.toString()).exitCode());
        assertEquals(0, CommandLine.run(Map.of("SHELTER_TOKEN_FILE", other.toString(), "SHELTER_TOKEN", "from-variable"),
                "backup", "show", "b1", "--url", shelter.url()).exitCode());
        assertEquals(0, CommandLine.run(Map.of("SHELTER_TOKEN_FILE", "", "SHELTER_TOKEN", " from-variable\n"),
                "backup", "show", "b1", "--url", shelter.url()).exitCode());

        assertEquals(List.of("Bearer " + TOKEN, "Bearer from-variable-file", "Bearer from-variable"),
                shelter.requests().stream().map(FakeShelter.Request::authorization).toList());
    }

    @Test
    void aMissingOrEmptyTokenStopsBeforeAnyRequest() throws IOException {
        Path empty = Files.writeString(scratch.resolve("empty"), "\n");

        CommandLine.Run none = CommandLine.run(Map.of("SHELTER_URL", shelter.url()), "backup", "list", "demo");
        assertFailedWithOneLine(none, "shelter backup: no token: give --token-file FILE, or set SHELTER_TOKEN_FILE or SHELTER_TOKEN");
        CommandLine.Run emptyFile = backup("list", "demo", "--url", shelter.url(), "--token-file", empty.toString());
        assertFailedWithOneLine(emptyFile, "shelter backup: the token file named by --token-file " + empty + " is empty");
        CommandLine.Run missing = CommandLine.run(Map.of("SHELTER_TOKEN_FILE", scratch.resolve("nosuch").toString()),
                "backup", "list", "demo", "--url", shelter.url());
        assertFailedWithOneLine(missing, "shelter backup: the token file named by $SHELTER_TOKEN_FILE (" + scratch.resolve("nosuch")
                + ") does not exist");

        assertEquals(List.of(), shelter.requests());
    }

    // ---- help

    @Test
    void helpListsTheCommandsAndExplainsEachActionsArguments() {
        CommandLine.Run top = CommandLine.run(Map.of(), "help");
        assertEquals(0, top.exitCode(), top.toString());
        assertTrue(top.out().contains("  backup   Create, list, show, export, scrub, protect and delete backups through a running Shelter's REST API\n"),
                top.toString());
        assertTrue(top.out().contains("  help     Show the commands"), top.toString());

        CommandLine.Run backup = CommandLine.run(Map.of(), "help", "backup");
        assertEquals(0, backup.exitCode(), backup.toString());
        for (String action : List.of("create", "list", "show", "export", "scrub", "protect", "unprotect", "delete")) {
            assertTrue(backup.out().contains(action), action + " in " + backup);
        }

        CommandLine.Run list = CommandLine.run(Map.of(), "help", "backup", "list");
        assertEquals(0, list.exitCode(), list.toString());
        for (String text : List.of("the cluster's name", "--state", "only backups in this state", "--offset", "--limit",
                "list at most this many backups", "--url", "$SHELTER_URL", "--token-file", "$SHELTER_TOKEN_FILE")) {
            assertTrue(words(list.out()).contains(text), text + " in " + list);
        }
        assertEquals(list.out(), CommandLine.run(Map.of(), "backup", "list", "--help").out(), "help backup list is backup list --help");

        CommandLine.Run show = CommandLine.run(Map.of(), "backup", "show", "-h");
        assertEquals(0, show.exitCode(), show.toString());
        assertTrue(words(show.out()).contains("the backup's id"), show.toString());
        CommandLine.Run delete = CommandLine.run(Map.of(), "help", "backup", "delete");
        assertTrue(words(delete.out()).contains("deleting a deleted backup is not an error"), delete.toString());
        assertTrue(words(delete.out()).contains("admin token"), delete.toString());

        CommandLine.Run unknown = CommandLine.run(Map.of(), "help", "nosuch");
        assertEquals(1, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().contains("shelter help: no help on 'nosuch'"), unknown.toString());
        assertFalse(unknown.err().contains("\tat "), unknown.toString());
    }

    // ---- list

    @Test
    void listShowsEveryColumnInPlaceTheDowntimeOfOfflineBackupsAndFailureReasons() {
        shelter.answer("GET", "/api/v1/clusters/demo/backups?offset=0&limit=50&state=completed", 200, """
                {"total": 7, "offset": 0, "backups": [%s, %s, %s, %s]}""".formatted(
                backupJson("20260105T101500Z-aaaaaa", "completed", "online", null).replace("\"label\":null", "\"label\":\"nightly run\""),
                backupJson("20260105T091500Z-bbbbbb", "completed", "offline", null).replace("\"label\":null",
                        "\"label\":null,\"protected\":true,\"protection\":{\"reason\":\"audit 2026\",\"since\":\"2026-01-06T00:00:00Z\"}"),
                backupJson("20260105T081500Z-cccccc", "failed", "online", "volume /srv/pg/tblspc: no such directory\nsecond line"),
                backupJson("20260105T071500Z-dddddd", "running", "online", null)
                        .replace("\"finishedAt\":\"2026-01-05T10:15:02.123456789Z\"", "\"finishedAt\":null")
                        .replace("\"backupModeSeconds\":0.4567", "\"backupModeSeconds\":null")));

        CommandLine.Run run = backup("list", "demo", "--state", "completed", "--url", shelter.url(), "--token-file", tokenFile.toString());

        assertEquals(0, run.exitCode(), run.toString());
        assertEquals("", run.err());
        List<List<String>> table = columns(run.out());
        assertEquals(List.of("ID", "STATE", "PHASE", "MODE", "BACKUP-MODE", "DOWNTIME", "FINISHED", "LABEL", "PROTECTED", "FAILURE"),
                table.get(0));
        assertEquals(List.of("20260105T101500Z-aaaaaa", "completed", "done", "online", "0.46s", "-", "2026-01-05T10:15:02Z",
                "nightly run", "-", "-"), table.get(1));
        assertEquals(List.of("20260105T091500Z-bbbbbb", "completed", "done", "offline", "-", "0.46s", "2026-01-05T10:15:02Z",
                "-", "audit 2026", "-"), table.get(2));
        assertEquals(List.of("20260105T081500Z-cccccc", "failed", "done", "online", "0.46s", "-", "2026-01-05T10:15:02Z",
                "-", "-", "volume /srv/pg/tblspc: no such directory second line"), table.get(3));
        assertEquals(List.of("20260105T071500Z-dddddd", "running", "done", "online", "-", "-", "-", "-", "-", "-"), table.get(4));
        assertTrue(run.out().endsWith("4 of 7 backups (offset 0)\n"), run.toString());
    }

    // ---- show

    @Test
    void showPrintsTheManifestAsJson() throws IOException {
        shelter.answer("GET", "/api/v1/backups/b%201", 200, backupJson("b 1", "completed", "online", null));

        CommandLine.Run run = backup("show", "b 1", "--url", shelter.url(), "--token-file", tokenFile.toString());

        assertEquals(0, run.exitCode(), run.toString());
        assertEquals("b 1", ShelterApi.json().readTree(run.out()).path("id").asText());
        CommandLine.Run missing = backup("show", "nosuch", "--url", shelter.url(), "--token-file", tokenFile.toString());
        assertFailedWithOneLine(missing, "shelter backup: cannot show backup nosuch: HTTP 404: HTTP 404 Not Found");
    }

    // ---- delete: a line for whichever answer the service gives

    @Test
    void deletingABackupSaysDeleted() {
        shelter.answer("GET", "/api/v1/backups/b1", 200, backupJson("b1", "completed", "online", null))
                .answer("DELETE", "/api/v1/backups/b1", 200, backupJson("b1", "deleted", "online", null));

        CommandLine.Run run = backup("delete", "b1", "--url", shelter.url(), "--token-file", tokenFile.toString());

        assertEquals(0, run.exitCode(), run.toString());
        assertEquals("backup b1 deleted\n", run.out());
        assertEquals("", run.err());
    }

    @Test
    void deletingADeletedBackupSaysAlreadyDeletedWhetherTheAnswerIs200Or410() {
        shelter.answer("GET", "/api/v1/backups/b1", 200, backupJson("b1", "deleted", "online", null))
                .answer("DELETE", "/api/v1/backups/b1", 200, backupJson("b1", "deleted", "online", null))
                .answer("GET", "/api/v1/backups/b2", 404, "{\"code\":404,\"message\":\"no backup b2\"}")
                .answer("DELETE", "/api/v1/backups/b2", 410, "{\"code\":410,\"message\":\"backup b2 was deleted\"}");

        CommandLine.Run twice = backup("delete", "b1", "--url", shelter.url(), "--token-file", tokenFile.toString());
        CommandLine.Run gone = backup("delete", "b2", "--url", shelter.url(), "--token-file", tokenFile.toString());

        assertEquals(0, twice.exitCode(), twice.toString());
        assertEquals("backup b1 already deleted\n", twice.out());
        assertEquals(0, gone.exitCode(), gone.toString());
        assertEquals("backup b2 already deleted\n", gone.out());
    }

    @Test
    void deletingAnUnknownBackupSaysThereIsNoneAndFails() {
        shelter.answer("DELETE", "/api/v1/backups/nosuch", 404, "{\"code\":404,\"message\":\"no backup nosuch\"}");

        CommandLine.Run run = backup("delete", "nosuch", "--url", shelter.url(), "--token-file", tokenFile.toString());

        assertFailedWithOneLine(run, "shelter backup: no backup nosuch (HTTP 404: no backup nosuch); 'backup list CLUSTER' shows the ids");
        assertEquals("", run.out());
    }

    @Test
    void exportWaitsShowingProgressAndEndsWithTheFigures() {
        String exporting = backupJson("b1", "completed", "online", null).replace("\"label\":null",
                "\"label\":null,\"offsite\":{\"state\":\"exporting\",\"progress\":\"step 1 of 2: ExportVolumes, 12 of 40 files of pgdata\"}");
        String exported = backupJson("b1", "completed", "online", null).replace("\"label\":null",
                "\"label\":null,\"offsite\":{\"state\":\"exported\",\"exportedAt\":\"2026-01-06T00:00:00Z\",\"bytesRead\":10485760,"
                        + "\"bytesUploaded\":2048,\"chunksUploaded\":3,\"chunksReused\":7,\"incremental\":true,\"distrust\":null}");
        shelter.answer("POST", "/api/v1/backups/b1/export", 202, exporting)
                .answer("GET", "/api/v1/backups/b1", 200, exporting)
                .answer("GET", "/api/v1/backups/b1", 200, exported)
                .answer("POST", "/api/v1/backups/b2/export", 202, exporting.replace("b1", "b2"))
                .answer("GET", "/api/v1/backups/b2", 200, backupJson("b2", "completed", "online", null)
                        .replace("\"label\":null", "\"label\":null,\"offsite\":{\"state\":\"not-exported\"}"));

        CommandLine.Run waited = backup("export", "b1", "--wait", "--url", shelter.url(), "--token-file", tokenFile.toString());
        CommandLine.Run failed = backup("export", "b2", "--wait", "--url", shelter.url(), "--token-file", tokenFile.toString());

        assertEquals(0, waited.exitCode(), waited.toString());
        List<String> lines = waited.out().lines().toList();
        assertEquals("backup b1 export started", lines.get(0));
        assertTrue(lines.get(1).endsWith("  step 1 of 2: ExportVolumes, 12 of 40 files of pgdata"), waited.toString());
        assertEquals("backup b1 exported at 2026-01-06T00:00:00Z: 10 MiB read, 2 KiB sent, 3 chunks new, 7 reused, from the previous copy",
                lines.get(lines.size() - 1));
        assertFailedWithOneLine(failed, "shelter backup: the export of backup b2 did not complete (it is not-exported); Shelter's log "
                + "says why, and 'backup export b2' goes on from where it stopped");
    }

    @Test
    void aFailedExportSaysWhyWhenShelterKnows() {
        String failedOnce = backupJson("b3", "completed", "online", null).replace("\"label\":null", "\"label\":null,\"offsite\":"
                + "{\"state\":\"not-exported\",\"lastFailure\":\"export-backup run-1 ended rolled-back: ExportVolumes failed: s3 down\"}");
        shelter.answer("POST", "/api/v1/backups/b3/export", 202, failedOnce.replace("not-exported", "exporting"))
                .answer("GET", "/api/v1/backups/b3", 200, failedOnce);

        CommandLine.Run failed = backup("export", "b3", "--wait", "--url", shelter.url(), "--token-file", tokenFile.toString());

        assertFailedWithOneLine(failed, "shelter backup: the export of backup b3 did not complete (it is not-exported); export-backup "
                + "run-1 ended rolled-back: ExportVolumes failed: s3 down; 'backup export b3' goes on from where it stopped");
    }

    @Test
    void scrubSendsTheSampleWaitsAndEndsWithTheVerdict() {
        String copy = "\"exportedAt\":\"2026-01-06T00:00:00Z\"";
        String scrubbing = backupJson("b1", "completed", "online", null).replace("\"label\":null",
                "\"label\":null,\"offsite\":{\"state\":\"scrubbing\",\"progress\":\"step 1 of 2: ScrubCopies, 5 of 9 chunks\"," + copy + "}");
        String verified = backupJson("b1", "completed", "online", null).replace("\"label\":null",
                "\"label\":null,\"offsite\":{\"state\":\"verified\",\"verifiedAt\":\"2026-01-07T00:00:00Z\"," + copy
                        + ",\"lastScrub\":{\"chunksNeeded\":9,\"chunksRead\":9,\"badChunks\":{}}}");
        String corrupt = backupJson("b2", "completed", "online", null).replace("\"label\":null",
                "\"label\":null,\"offsite\":{\"state\":\"corrupt\"," + copy
                        + ",\"lastScrub\":{\"chunksNeeded\":9,\"chunksRead\":2,\"badChunks\":{\"ab12\":\"chunk ab12 is missing\"}}}");
        shelter.answer("POST", "/api/v1/backups/b1/scrub", 202, scrubbing)
                .answer("GET", "/api/v1/backups/b1", 200, scrubbing)
                .answer("GET", "/api/v1/backups/b1", 200, verified)
                .answer("POST", "/api/v1/backups/b2/scrub", 202, corrupt);

        CommandLine.Run waited = backup("scrub", "b1", "--wait", "--url", shelter.url(), "--token-file", tokenFile.toString());
        CommandLine.Run failed = backup("scrub", "b2", "--sample", "20", "--wait", "--url", shelter.url(), "--token-file",
                tokenFile.toString());

        assertEquals(0, waited.exitCode(), waited.toString());
        List<String> lines = waited.out().lines().toList();
        assertEquals("backup b1 scrub started", lines.get(0));
        assertTrue(lines.get(1).endsWith("  step 1 of 2: ScrubCopies, 5 of 9 chunks"), waited.toString());
        assertEquals("backup b1 verified at 2026-01-07T00:00:00Z: 9 of 9 chunks read back, all sound", lines.get(lines.size() - 1));
        assertFailedWithOneLine(failed, "shelter backup: backup b2 is CORRUPT off site: 1 chunk(s) wrong: ab12 (chunk ab12 is missing)");
        List<FakeShelter.Request> requests = shelter.requests();
        assertEquals("{}", requests.get(0).body(), "without --sample, all chunks");
        assertEquals("{\"sample\":20.0}", requests.get(requests.size() - 1).body());
    }

    @Test
    void protectSendsTheReasonAndUnprotectTakesItOff() throws IOException {
        String protectedJson = backupJson("b1", "completed", "online", null).replace("\"label\":null",
                "\"label\":null,\"protected\":true,\"protection\":{\"reason\":\"audit 2026\",\"since\":\"2026-01-06T00:00:00Z\"}");
        shelter.answer("PUT", "/api/v1/backups/b1/protection", 200, protectedJson)
                .answer("DELETE", "/api/v1/backups/b1/protection", 200, backupJson("b1", "completed", "online", null))
                .answer("PUT", "/api/v1/backups/b2/protection", 409, "{\"code\":409,\"message\":\"backup b2 is running\"}");

        CommandLine.Run guarded = backup("protect", "b1", "--reason", "audit 2026", "--url", shelter.url(), "--token-file",
                tokenFile.toString());
        CommandLine.Run unguarded = backup("unprotect", "b1", "--url", shelter.url(), "--token-file", tokenFile.toString());
        CommandLine.Run running = backup("protect", "b2", "--reason", "x", "--url", shelter.url(), "--token-file", tokenFile.toString());
        CommandLine.Run noReason = backup("protect", "b1", "--url", shelter.url(), "--token-file", tokenFile.toString());

        assertEquals("backup b1 protected since 2026-01-06T00:00:00Z (audit 2026)\n", guarded.out(), guarded.toString());
        assertEquals("{\"reason\":\"audit 2026\"}", ShelterApi.json().readTree(shelter.requests().get(0).body()).toString());
        assertEquals("backup b1 unprotected\n", unguarded.out(), unguarded.toString());
        assertFailedWithOneLine(running, "shelter backup: cannot protect backup b2: HTTP 409: backup b2 is running");
        assertEquals(1, noReason.exitCode(), noReason.toString());
        assertTrue(noReason.err().contains("--reason"), noReason.toString());
        assertEquals(3, shelter.requests().size(), "a protect without its reason sends nothing");
    }

    @Test
    void deletingARunningBackupShowsTheServicesReason() {
        shelter.answer("GET", "/api/v1/backups/b1", 200, backupJson("b1", "running", "online", null))
                .answer("DELETE", "/api/v1/backups/b1", 409, "{\"code\":409,\"message\":\"backup b1 is running\"}");

        CommandLine.Run run = backup("delete", "b1", "--url", shelter.url(), "--token-file", tokenFile.toString());

        assertFailedWithOneLine(run, "shelter backup: cannot delete backup b1: HTTP 409: backup b1 is running");
    }

    // ---- create --wait: the exit code says whether the backup completed

    @Test
    void createWaitExitsZeroWhenTheBackupCompletes() throws IOException {
        shelter.answer("POST", "/api/v1/clusters/demo/backups", 202, backupJson("b1", "running", "online", null)
                        .replace("\"phase\":\"done\"", "\"phase\":\"starting_backup\""))
                .answer("GET", "/api/v1/backups/b1", 200, backupJson("b1", "running", "online", null)
                        .replace("\"phase\":\"done\"", "\"phase\":\"snapshotting\""))
                .answer("GET", "/api/v1/backups/b1", 200, backupJson("b1", "completed", "online", null));

        CommandLine.Run run = backup("create", "demo", "--label", "nightly", "--wait", "--url", shelter.url(), "--token-file",
                tokenFile.toString());

        assertEquals(0, run.exitCode(), run.toString());
        assertEquals("", run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals("backup b1 of demo started", lines.get(0));
        assertTrue(lines.get(1).endsWith("  starting_backup") && lines.get(2).endsWith("  snapshotting"), run.toString());
        assertEquals("backup b1 completed: start 0/2000028, stop 0/2000100, timeline 1, 0.46 s in backup mode, 1 snapshot(s)",
                lines.get(3));
        assertEquals("{\"mode\":\"online\",\"fastCheckpoint\":true,\"label\":\"nightly\"}",
                ShelterApi.json().readTree(shelter.requests().get(0).body()).toString());
    }

    @Test
    void createWaitOfAnOfflineBackupReportsDowntimeNotBackupMode() throws IOException {
        shelter.answer("POST", "/api/v1/clusters/demo/backups", 202, backupJson("b1", "running", "offline", null))
                .answer("GET", "/api/v1/backups/b1", 200, backupJson("b1", "completed", "offline", null));

        CommandLine.Run run = backup("create", "demo", "--mode", "offline", "--confirm", "demo", "--wait", "--url", shelter.url(),
                "--token-file", tokenFile.toString());

        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("timeline 1, 0.46 s of downtime, 1 snapshot(s)"), run.toString());
        assertEquals("demo", ShelterApi.json().readTree(shelter.requests().get(0).body()).path("confirm").asText(),
                "the confirmation goes with the request");
    }

    @Test
    void createWaitExitsOneWithTheReasonWhenTheBackupFails() {
        shelter.answer("POST", "/api/v1/clusters/demo/backups", 202, backupJson("b1", "running", "online", null))
                .answer("GET", "/api/v1/backups/b1", 200, backupJson("b1", "failed", "online", "WAL through 0/2000100 did not arrive"));

        CommandLine.Run run = backup("create", "demo", "--wait", "--url", shelter.url(), "--token-file", tokenFile.toString());

        assertFailedWithOneLine(run, "shelter backup: backup b1 failed: WAL through 0/2000100 did not arrive");
        assertTrue(run.out().endsWith("backup b1 failed\n"), run.toString());
    }

    @Test
    void createWithoutWaitReturnsOnceStarted() {
        shelter.answer("POST", "/api/v1/clusters/demo/backups", 202, backupJson("b1", "running", "online", null));

        CommandLine.Run run = backup("create", "demo", "--url", shelter.url(), "--token-file", tokenFile.toString());

        assertEquals(0, run.exitCode(), run.toString());
        assertEquals("backup b1 of demo started\n", run.out());
        assertEquals(1, shelter.requests().size(), "no polling without --wait");
    }

    @Test
    void aRefusedStartShowsTheServicesMessage() {
        shelter.answer("POST", "/api/v1/clusters/nosuch/backups", 404, "{\"code\":404,\"message\":\"no cluster named nosuch\"}");

        CommandLine.Run run = backup("create", "nosuch", "--url", shelter.url(), "--token-file", tokenFile.toString());

        assertFailedWithOneLine(run, "shelter backup: cannot start a backup of nosuch: HTTP 404: no cluster named nosuch");
    }

    // ---- helpers

    private static CommandLine.Run backup(String... arguments) {
        List<String> all = new ArrayList<>(List.of("backup"));
        all.addAll(List.of(arguments));
        return CommandLine.run(Map.of(), all.toArray(String[]::new));
    }

    /** Help text with its wrapping and justification undone: words one space apart. */
    private static String words(String text) {
        return text.replaceAll("\\s+", " ");
    }

    /** Exit 1, nothing but one line on stderr (that line, when given), and no stack trace anywhere. */
    private static void assertFailedWithOneLine(CommandLine.Run run, String line) {
        assertEquals(1, run.exitCode(), run.toString());
        assertEquals(1, run.err().lines().count(), "one line on stderr: " + run);
        if (line != null) {
            assertEquals(line, run.err().strip(), run.toString());
        }
        assertFalse((run.out() + run.err()).contains("\tat ") || (run.out() + run.err()).contains("Exception"), run.toString());
    }

    /** A table's cells, cut at the header's column starts: a cell that ran into its neighbour would be cut wrong. */
    private static List<List<String>> columns(String out) {
        List<String> lines = out.lines().filter(l -> !l.matches("\\d+ of \\d+ backups.*")).toList();
        String header = lines.get(0);
        List<Integer> starts = new ArrayList<>();
        java.util.regex.Matcher word = java.util.regex.Pattern.compile("\\S+").matcher(header);
        while (word.find()) {
            starts.add(word.start());
        }
        List<List<String>> cells = new ArrayList<>();
        for (String line : lines) {
            List<String> row = new ArrayList<>();
            for (int i = 0; i < starts.size(); i++) {
                int end = i + 1 < starts.size() ? starts.get(i + 1) : line.length();
                assertTrue(i == 0 || line.charAt(starts.get(i) - 1) == ' ' && line.charAt(starts.get(i) - 2) == ' ',
                        "two spaces before column " + i + " in: " + line);
                row.add(line.substring(starts.get(i), Math.min(end, line.length())).strip());
            }
            cells.add(row);
        }
        return cells;
    }

    private static String backupJson(String id, String state, String mode, String failure) {
        return """
                {"id":"%s","cluster":"demo","mode":"%s","label":null,"state":"%s","phase":"done","failure":%s,\
                "requestedAt":"2026-01-05T10:15:00Z","finishedAt":"2026-01-05T10:15:02.123456789Z","postgresVersionNum":150010,\
                "systemIdentifier":"7301","databaseBytes":1000,"startLsn":"0/2000028","stopLsn":"0/2000100","timeline":1,\
                "backupModeSeconds":0.4567,"labelFile":"x","tablespaceMap":"","snapshots":[{"role":"pgdata","name":null,\
                "volume":"/srv/pg","snapshot":"shelter-%s"}]}""".formatted(id, mode, state,
                failure == null ? "null" : ShelterApi.json().getNodeFactory().textNode(failure).toString(), id);
    }
}
