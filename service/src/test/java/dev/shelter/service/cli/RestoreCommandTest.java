package dev.shelter.service.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code shelter restore ...} against a stand-in for Shelter's REST API ({@link FakeShelter}, as for
 * {@code backup}): the exact request each set of flags sends, the usage errors found before any
 * request, what a dry run and a --wait print, and the exit codes.
 */
class RestoreCommandTest {

    private static final String TOKEN = "cli-test-token";
    private static final String ID = "run-20260105T111500Z-3f9a2c";
    private static final String RESTORES = "/api/v1/clusters/demo/restores";
    private static final List<String> STEPS = List.of("ArchiveCurrentWal", "CheckTarget", "StopCluster", "RollbackVolumes",
            "WriteRecoveryFiles", "OpenArchiveIncarnation", "StartMember", "AwaitRecoveryEnd", "VerifyRestore", "StartReplicas");

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

    // ---- create: the request body, exactly, for each target flag

    @Test
    void eachTargetFlagSendsItsTargetAndNothingElse() throws IOException {
        Map<List<String>, String> bodies = new LinkedHashMap<>();
        bodies.put(List.of("--time", "2026-01-05T10:15:00+01:00"), "{\"target\":{\"time\":\"2026-01-05T10:15:00+01:00\"},");
        bodies.put(List.of("--lsn", "0/3000100"), "{\"target\":{\"lsn\":\"0/3000100\"},");
        bodies.put(List.of("--xid", "741"), "{\"target\":{\"xid\":741},");
        bodies.put(List.of("--name", "before upgrade"), "{\"target\":{\"name\":\"before upgrade\"},");
        bodies.put(List.of("--immediate"), "{\"target\":{\"immediate\":true},");
        bodies.put(List.of("--latest"), "{\"target\":{\"latest\":true},");
        bodies.put(List.of("--backup", "20260105T101500Z-aaaaaa"), "{\"backupId\":\"20260105T101500Z-aaaaaa\",");
        bodies.put(List.of("--lsn", "0/3000100", "--timeline", "2", "--backup", "20260105T101500Z-aaaaaa"),
                "{\"backupId\":\"20260105T101500Z-aaaaaa\",\"target\":{\"lsn\":\"0/3000100\",\"timeline\":2},");
        shelter.answer("POST", RESTORES, 202, restoreJson("running", null, "started"));

        for (Map.Entry<List<String>, String> flags : bodies.entrySet()) {
            List<String> arguments = new ArrayList<>(List.of("create", "demo", "--confirm", "demo"));
            arguments.addAll(flags.getKey());
            CommandLine.Run run = restore(arguments.toArray(String[]::new));

            assertEquals(0, run.exitCode(), flags.getKey() + ": " + run);
            assertEquals("restore " + ID + " of demo running\n", run.out(), flags.getKey().toString());
            List<FakeShelter.Request> requests = shelter.requests();
            assertEquals(flags.getValue() + "\"confirm\":\"demo\",\"dryRun\":false}",
                    ShelterApi.json().readTree(requests.get(requests.size() - 1).body()).toString(), flags.getKey().toString());
        }
        assertEquals(bodies.size(), shelter.requests().size(), "one request each, no polling without --wait");
    }

    @Test
    void exclusiveStopsJustBeforeATimeLsnOrXidTarget() throws IOException {
        shelter.answer("POST", RESTORES, 202, restoreJson("running", null, "started"));

        assertEquals(0, restore("create", "demo", "--xid", "741", "--exclusive", "--confirm", "demo").exitCode());
        assertEquals(0, restore("create", "demo", "--time", "2026-01-05T10:15:00Z", "--exclusive").exitCode());

        assertEquals("{\"target\":{\"xid\":741,\"inclusive\":false},\"confirm\":\"demo\",\"dryRun\":false}",
                ShelterApi.json().readTree(shelter.requests().get(0).body()).toString());
        assertEquals("{\"target\":{\"time\":\"2026-01-05T10:15:00Z\",\"inclusive\":false},\"dryRun\":false}",
                ShelterApi.json().readTree(shelter.requests().get(1).body()).toString(), "no confirm unless given");
    }

    @Test
    void strategyCloneSwapIsSentAndAnUnknownOneIsAUsageError() throws IOException {
        shelter.answer("POST", RESTORES, 202, restoreJson("running", null, "started"));

        assertEquals(0, restore("create", "demo", "--latest", "--strategy", "clone-swap", "--confirm", "demo").exitCode());
        assertEquals("{\"target\":{\"latest\":true},\"strategy\":\"clone-swap\",\"confirm\":\"demo\",\"dryRun\":false}",
                ShelterApi.json().readTree(shelter.requests().get(0).body()).toString());

        CommandLine.Run sideways = restore("create", "demo", "--latest", "--strategy", "sideways");
        assertTrue(sideways.exitCode() != 0 && sideways.err().contains("clone-swap"), sideways.toString());
        assertEquals(1, shelter.requests().size(), "no request for a usage error");
    }

    // ---- create: usage errors, before any request

    @Test
    void flagsThatDoNotGoTogetherAreAUsageErrorAndSendNothing() {
        assertFailedWithOneLine(restore("create", "demo", "--time", "2026-01-05T10:15:00Z", "--lsn", "0/3000100", "--confirm", "demo"),
                "shelter restore: give one target, not --time and --lsn");
        assertFailedWithOneLine(restore("create", "demo", "--immediate", "--latest", "--xid", "741"),
                "shelter restore: give one target, not --xid and --immediate and --latest");
        assertFailedWithOneLine(restore("create", "demo", "--confirm", "demo"),
                "shelter restore: give a target (--time, --lsn, --xid, --name, --immediate or --latest), --backup ID, or both");
        assertFailedWithOneLine(restore("create", "demo", "--name", "before-upgrade", "--exclusive"),
                "shelter restore: --exclusive applies to a --time, --lsn or --xid target, not to --name");
        assertFailedWithOneLine(restore("create", "demo", "--latest", "--exclusive"),
                "shelter restore: --exclusive applies to a --time, --lsn or --xid target, not to --latest");
        assertFailedWithOneLine(restore("create", "demo", "--backup", "20260105T101500Z-aaaaaa", "--exclusive"),
                "shelter restore: --exclusive applies to a --time, --lsn or --xid target, and --backup alone has none");
        assertFailedWithOneLine(restore("create", "demo", "--backup", "20260105T101500Z-aaaaaa", "--timeline", "2"),
                "shelter restore: --timeline applies to a target flag; --backup alone restores to the end of the backup");
        assertFailedWithOneLine(restore("create", "demo", "--xid", "seven"), "shelter restore: --xid takes a whole number, not 'seven'");

        assertEquals(List.of(), shelter.requests());
    }

    // ---- create --dry-run

    @Test
    void aDryRunPrintsTheBackupTargetTimelineFindingsAndStepsAndChangesNothing() throws IOException {
        shelter.answer("POST", RESTORES, 200, """
                {"dryRun":true,"cluster":"demo","backupId":"20260105T101500Z-aaaaaa","backupEndedAt":"2026-01-05T10:15:02Z",\
                "backupStopLsn":"0/2000100","target":"time 2026-01-05T09:15:00Z (inclusive)","timeline":1,"replayableTo":"0/3000148",\
                "findings":["the cluster is running: its current WAL is archived first","1 later backup will not be usable"],\
                "plan":"restore-rollback","steps":[\
                {"index":1,"name":"ArchiveCurrentWal","target":"demo","alreadyDone":false},\
                {"index":2,"name":"CheckTarget","target":"time 2026-01-05T09:15:00Z (inclusive)","alreadyDone":true},\
                {"index":10,"name":"StartReplicas","target":"demo","alreadyDone":false}]}""");

        CommandLine.Run run = restore("create", "demo", "--time", "2026-01-05T10:15:00+01:00", "--dry-run");

        assertEquals(0, run.exitCode(), run.toString());
        assertEquals("", run.err());
        assertEquals("""
                dry run of a restore of demo: nothing was changed
                backup         20260105T101500Z-aaaaaa, ended 2026-01-05T10:15:02Z at 0/2000100
                target         time 2026-01-05T09:15:00Z (inclusive)
                timeline       1
                replayable to  0/3000148
                findings:
                  - the cluster is running: its current WAL is archived first
                  - 1 later backup will not be usable
                steps of the restore-rollback plan:
                #   STEP               TARGET                                 ALREADY-DONE
                1   ArchiveCurrentWal  demo                                   -
                2   CheckTarget        time 2026-01-05T09:15:00Z (inclusive)  yes
                10  StartReplicas      demo                                   -
                """, run.out());
        assertEquals("{\"target\":{\"time\":\"2026-01-05T10:15:00+01:00\"},\"dryRun\":true}",
                ShelterApi.json().readTree(shelter.requests().get(0).body()).toString());
        assertEquals(1, shelter.requests().size(), "a dry run is one request");
    }

    @Test
    void aDryRunWithoutFindingsSaysNone() {
        shelter.answer("POST", RESTORES, 200, """
                {"dryRun":true,"cluster":"demo","backupId":"b","backupEndedAt":"2026-01-05T10:15:02Z","backupStopLsn":"0/2000100",\
                "target":"latest","timeline":2,"replayableTo":"0/3000148","findings":[],"plan":"restore-rollback","steps":[]}""");

        CommandLine.Run run = restore("create", "demo", "--latest", "--dry-run");

        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("\nfindings       none\n"), run.toString());
    }

    // ---- create: the service's refusals

    @Test
    void aMissingOrWrongConfirmationIsTheServicesMessageAndExitOne() {
        shelter.answer("POST", RESTORES, 400, "{\"code\":400,\"message\":\"confirm must be the cluster's name, demo\"}");

        CommandLine.Run run = restore("create", "demo", "--latest", "--confirm", "prod");

        assertFailedWithOneLine(run, "shelter restore: cannot restore demo: HTTP 400: confirm must be the cluster's name, demo");
        assertEquals("prod", body(0).path("confirm").asText(), "the confirmation is sent as given");
    }

    // ---- create --wait: each step once, and the exit code says whether the restore completed

    @Test
    void createWaitPrintsEachStepOnceAndExitsZeroWhenTheRestoreCompletes() {
        shelter.answer("POST", RESTORES, 202, restoreJson("running", null, "done", "skipped-done", "started"))
                .answer("GET", "/api/v1/restores/" + ID, 200, restoreJson("running", null, "done", "skipped-done", "done", "done", "started"))
                .answer("GET", "/api/v1/restores/" + ID, 200, restoreJson("completed", null,
                        "done", "skipped-done", "done", "done", "done", "done", "done", "done", "done", "done")
                        .replace("\"promotedTimeline\":null", "\"promotedTimeline\":3")
                        .replace("\"recoveryStopped\":null", "\"recoveryStopped\":\"before transaction 741\"")
                        .replace("\"rtoSeconds\":null", "\"rtoSeconds\":42.56"));

        CommandLine.Run run = restore("create", "demo", "--xid", "741", "--confirm", "demo", "--wait");

        assertEquals(0, run.exitCode(), run.toString());
        assertEquals("", run.err());
        List<String> expected = new ArrayList<>(List.of("restore " + ID + " of demo running",
                "  step 1/10 ArchiveCurrentWal done", "  step 2/10 CheckTarget already done",
                "  step 3/10 StopCluster done", "  step 4/10 RollbackVolumes done"));
        for (int i = 5; i <= 10; i++) {
            expected.add("  step " + i + "/10 " + STEPS.get(i - 1) + " done");
        }
        expected.add("restore " + ID + " completed: promoted timeline 3, recovery stopped \"before transaction 741\", RTO 42.6 s");
        assertEquals(expected, run.out().lines().toList());
        assertEquals(3, shelter.requests().size(), "polled until the restore ended");
    }

    @Test
    void createWaitExitsOneWithTheFailureWhenTheRestoreDoesNotComplete() {
        shelter.answer("POST", RESTORES, 202, restoreJson("running", null, "done", "done", "done", "started"))
                .answer("GET", "/api/v1/restores/" + ID, 200, restoreJson("failed", "RollbackVolumes: snapshot shelter-b is gone",
                        "done", "done", "done", "failed: snapshot shelter-b is gone"));

        CommandLine.Run run = restore("create", "demo", "--latest", "--confirm", "demo", "--wait");

        assertFailedWithOneLine(run, "shelter restore: restore " + ID + " failed: RollbackVolumes: snapshot shelter-b is gone");
        assertTrue(run.out().contains("\n  step 4/10 RollbackVolumes failed: snapshot shelter-b is gone\n"), run.toString());
        assertTrue(run.out().endsWith("restore " + ID + " failed\n"), run.toString());

        shelter.answer("POST", "/api/v1/clusters/other/restores", 202, restoreJson("cancelled", null, "done", "undone"));
        CommandLine.Run cancelled = restore("create", "other", "--latest", "--confirm", "other", "--wait");
        assertFailedWithOneLine(cancelled, "shelter restore: restore " + ID + " cancelled");
        assertTrue(cancelled.out().contains("  step 2/10 CheckTarget undone\n"), cancelled.toString());
    }

    // ---- list, show, cancel

    @Test
    void listShowsOneRowPerRestoreWithADashForWhatIsNotKnown() {
        shelter.answer("GET", RESTORES, 200, """
                {"restores":[%s,%s,%s]}""".formatted(
                restoreJson("completed", null, "done").replace("\"rtoSeconds\":null", "\"rtoSeconds\":42.56")
                        .replace("\"currentStep\":null", "\"currentStep\":\"step 10 of 10 - StartReplicas\""),
                restoreJson("failed", "WAL 000000010000000000000003 is missing\nfrom the archive", "done")
                        .replace(ID, "run-20260104T111500Z-aaaaaa"),
                restoreJson("running", null, "started").replace(ID, "run-20260103T111500Z-bbbbbb").replace("\"target\":\"latest\",", "")
                        .replace("\"currentStep\":null", "\"currentStep\":\"step 1 of 10 - ArchiveCurrentWal\"")));

        CommandLine.Run run = restore("list", "demo");

        assertEquals(0, run.exitCode(), run.toString());
        List<List<String>> table = columns(run.out());
        assertEquals(List.of("ID", "STATE", "BACKUP", "TARGET", "STEP", "RTO", "FAILURE"), table.get(0));
        assertEquals(List.of(ID, "completed", "20260105T101500Z-aaaaaa", "latest", "step 10 of 10 - StartReplicas", "42.6s", "-"),
                table.get(1));
        assertEquals(List.of("run-20260104T111500Z-aaaaaa", "failed", "20260105T101500Z-aaaaaa", "latest", "-", "-",
                "WAL 000000010000000000000003 is missing from the archive"), table.get(2));
        assertEquals(List.of("run-20260103T111500Z-bbbbbb", "running", "20260105T101500Z-aaaaaa", "-",
                "step 1 of 10 - ArchiveCurrentWal", "-", "-"), table.get(3));
        assertEquals(4, table.size(), run.toString());
    }

    @Test
    void showPrintsTheRestoreAsJson() throws IOException {
        shelter.answer("GET", "/api/v1/restores/" + ID, 200, restoreJson("running", null, "done", "started"));

        CommandLine.Run run = restore("show", ID);

        assertEquals(0, run.exitCode(), run.toString());
        assertEquals(ShelterApi.json().readTree(restoreJson("running", null, "done", "started")), ShelterApi.json().readTree(run.out()));
        assertFailedWithOneLine(restore("show", "nosuch"), "shelter restore: cannot show restore nosuch: HTTP 404: HTTP 404 Not Found");
    }

    @Test
    void cancelPrintsTheNewStateAndAConflictIsTheServicesMessage() {
        shelter.answer("POST", "/api/v1/restores/" + ID + "/cancel", 200, restoreJson("running", null, "done", "started"))
                .answer("POST", "/api/v1/restores/run-20260104T111500Z-aaaaaa/cancel", 409, "{\"code\":409,\"message\":\"restore "
                        + "run-20260104T111500Z-aaaaaa has rolled back the volumes of cluster 'demo': cancelling now would leave it "
                        + "half-restored; it finishes (step 8 of 10 - AwaitRecoveryEnd)\"}");

        CommandLine.Run run = restore("cancel", ID);

        assertEquals(0, run.exitCode(), run.toString());
        assertEquals("restore " + ID + " running: cancelling; it ends cancelled and the cluster starts again as it was\n", run.out());
        assertEquals("", shelter.requests().get(0).body(), "a cancel has no body");
        CommandLine.Run late = restore("cancel", "run-20260104T111500Z-aaaaaa");
        assertFailedWithOneLine(late, "shelter restore: cannot cancel restore run-20260104T111500Z-aaaaaa: HTTP 409: restore "
                + "run-20260104T111500Z-aaaaaa has rolled back the volumes of cluster 'demo': cancelling now would leave it "
                + "half-restored; it finishes (step 8 of 10 - AwaitRecoveryEnd)");
        assertEquals("", late.out());
    }

    // ---- the same token, URL and help rules as backup

    @Test
    void aRefusedTokenAndAnUnreachableShelterAreOneLineEach() {
        shelter.answer("GET", RESTORES, 401, "{\"code\":401,\"message\":\"Credentials are required to access this resource.\"}");

        assertFailedWithOneLine(restore("list", "demo"), "shelter restore: cannot list restores of demo: Shelter refused the token from "
                + "--token-file " + tokenFile + " (HTTP 401: Credentials are required to access this resource.); check that it is one "
                + "of the tokens in Shelter's configuration");
        CommandLine.Run unreachable = CommandLine.run(Map.of("SHELTER_TOKEN", TOKEN), "restore", "show", ID, "--url", "http://127.0.0.1:1");
        assertFailedWithOneLine(unreachable, null);
        assertTrue(unreachable.err().startsWith("shelter restore: cannot reach Shelter at http://127.0.0.1:1 (from --url)"),
                unreachable.toString());
        CommandLine.Run noToken = CommandLine.run(Map.of("SHELTER_URL", shelter.url()), "restore", "list", "demo");
        assertFailedWithOneLine(noToken, "shelter restore: no token: give --token-file FILE, or set SHELTER_TOKEN_FILE or SHELTER_TOKEN");
    }

    @Test
    void helpExplainsTheRestoreActionsAndTheirFlags() {
        CommandLine.Run top = CommandLine.run(Map.of(), "help");
        assertTrue(top.out().contains("  restore  Create, show, list and cancel restores through a running Shelter's REST API\n"),
                top.toString());

        CommandLine.Run restore = CommandLine.run(Map.of(), "help", "restore");
        assertEquals(0, restore.exitCode(), restore.toString());
        for (String action : List.of("create", "show", "list", "cancel")) {
            assertTrue(restore.out().contains(action), action + " in " + restore);
        }
        CommandLine.Run create = CommandLine.run(Map.of(), "help", "restore", "create");
        assertEquals(0, create.exitCode(), create.toString());
        for (String text : List.of("--time", "--lsn", "--xid", "--name", "--immediate", "--latest", "--exclusive", "--timeline",
                "--backup", "--dry-run", "--confirm", "--wait", "--url", "--token-file", "admin token")) {
            assertTrue(create.out().replaceAll("\\s+", " ").contains(text), text + " in " + create);
        }
        assertEquals(create.out(), CommandLine.run(Map.of(), "restore", "create", "--help").out());
    }

    // ---- helpers

    private CommandLine.Run restore(String... arguments) {
        List<String> all = new ArrayList<>(List.of("restore"));
        all.addAll(List.of(arguments));
        all.addAll(List.of("--url", shelter.url(), "--token-file", tokenFile.toString()));
        return CommandLine.run(Map.of(), all.toArray(String[]::new));
    }

    private JsonNode body(int request) {
        try {
            return ShelterApi.json().readTree(shelter.requests().get(request).body());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
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

    /** A table's cells, cut at the header's column starts, each column two spaces after the one before. */
    private static List<List<String>> columns(String out) {
        List<String> lines = out.lines().toList();
        List<Integer> starts = new ArrayList<>();
        Matcher word = Pattern.compile("\\S+").matcher(lines.get(0));
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

    /**
     * A restore as GET /restores/{id} answers it, with one step per status given, in the plan's order,
     * the rest pending; "failed: why" is a status with a message.
     */
    private static String restoreJson(String state, String failure, String... statuses) {
        StringBuilder steps = new StringBuilder();
        for (int i = 0; i < STEPS.size(); i++) {
            String[] status = (i < statuses.length ? statuses[i] : "pending").split(": ", 2);
            steps.append(i == 0 ? "" : ",").append("""
                    {"index":%d,"name":"%s","target":"demo","status":"%s","startedAt":null,"endedAt":null,"message":%s}"""
                    .formatted(i + 1, STEPS.get(i), status[0], quoted(status.length > 1 ? status[1] : null)));
        }
        return """
                {"id":"%s","cluster":"demo","state":"%s","strategy":"rollback","backupId":"20260105T101500Z-aaaaaa",\
                "target":"latest","timeline":1,"requestedBy":"admin","createdAt":"2026-01-05T11:15:00Z",\
                "currentStep":null,"failure":%s,"promotedTimeline":null,"recoveryStopped":null,"rtoSeconds":null,"steps":[%s]}"""
                .formatted(ID, state, quoted(failure), steps);
    }

    private static String quoted(String text) {
        return text == null ? "null" : ShelterApi.json().getNodeFactory().textNode(text).toString();
    }
}
