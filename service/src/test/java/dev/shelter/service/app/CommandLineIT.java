package dev.shelter.service.app;

import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line as users run it, {@code java -jar service/target/shelter.jar ...} in a process of
 * its own (so its exit code, its stdout and stderr, and the jar's manifest are the real ones),
 * against Shelter in this JVM backing up a real PostgreSQL 15.
 */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommandLineIT {

    private static final String ADMIN = "command-line-it-admin-token";
    private static final String VIEWER = "command-line-it-viewer-token";

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance primary;
    private InProcessShelter shelter;
    private String url;
    private Path adminTokenFile;
    private Path viewerTokenFile;

    CommandLineIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeAll
    void startPostgresAndShelter() throws IOException {
        if (!Files.isRegularFile(ShelterProcess.JAR)) {
            throw new IllegalStateException(ShelterProcess.JAR.toAbsolutePath() + " is missing: it is built in the package phase");
        }
        scratch = ScratchDirectory.create("shelter-command-line-it");
        Path root = scratch.path();
        primary = PostgresInstance.create(binaries, root.resolve("primary"));
        primary.start();
        adminTokenFile = Files.writeString(root.resolve("admin-token"), ADMIN + "\n");
        viewerTokenFile = Files.writeString(root.resolve("viewer-token"), VIEWER + "\n");
        Path config = root.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(ADMIN), InProcessShelter.viewer(VIEWER)) + """
                catalog: {kind: memory}
                clusters:
                  - name: primary
                    target: {kind: local, dataDirectory: "%1$s", binDirectory: "%2$s"}
                    postgres: {jdbcUrl: "%3$s", user: postgres, password: "%4$s"}
                    volumes: [{role: pgdata, source: "%1$s"}]
                    snapshots: {kind: local-directory, directory: "%5$s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%6$s"}}
                    retention: {keepLast: 1}
                  - name: missing-volume
                    target: {kind: local, dataDirectory: "%1$s", binDirectory: "%2$s"}
                    postgres: {jdbcUrl: "%3$s", user: postgres, password: "%4$s"}
                    volumes: [{role: pgdata, source: "%1$s"}, {role: tablespace, name: ghost, source: "%7$s"}]
                    snapshots: {kind: local-directory, directory: "%5$s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%6$s"}}
                objectStore: {kind: filesystem, directory: "%8$s"}
                offsite: {parallelUploads: 2}
                """.formatted(primary.dataDirectory(), binaries.directory(), primary.jdbcUrl(), primary.password(),
                root.resolve("snapshots"), primary.archiveDirectory(), root.resolve("no-such-volume"), root.resolve("store")));
        shelter = InProcessShelter.startOn(config, ADMIN);
        url = "http://127.0.0.1:" + shelter.port();
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (shelter != null) {
            shelter.close();
        }
        if (primary != null) {
            primary.close();
        }
        if (scratch != null) {
            scratch.close();
        }
    }

    @Test
    void versionAndHelp() throws Exception {
        Run version = shelterJar(Map.of(), "--version");
        assertEquals(0, version.exitCode(), version.toString());
        assertTrue(version.out().strip().matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), version.toString());
        assertEquals(version.out(), shelterJar(Map.of(), "-v").out());

        Run help = shelterJar(Map.of(), "help");
        assertEquals(0, help.exitCode(), help.toString());
        assertTrue(help.out().contains("usage: java -jar shelter.jar") && help.out().contains("backup"), help.toString());
        Run list = shelterJar(Map.of(), "help", "backup", "list");
        assertEquals(0, list.exitCode(), list.toString());
        assertTrue(list.out().contains("usage: java -jar shelter.jar backup list") && list.out().contains("--state"), list.toString());
    }

    @Test
    void aBadUrlOrAClosedPortIsOneLineAndExitOne() throws Exception {
        Run notAUrl = shelterJar(Map.of("SHELTER_TOKEN", ADMIN), "backup", "list", "primary", "--url", "not-a-url");
        assertOneLineFailure(notAUrl, "the URL 'not-a-url' from --url is not an http or https URL with a host");

        Run closed = shelterJar(Map.of("SHELTER_TOKEN", ADMIN, "SHELTER_URL", "http://127.0.0.1:1"), "backup", "list", "primary");
        assertOneLineFailure(closed, "cannot reach Shelter at http://127.0.0.1:1 (from $SHELTER_URL): connection refused; "
                + "check that Shelter is running");
    }

    @Test
    void backupsThroughTheCommandLineFromWaitToDelete() throws Exception {
        Map<String, String> admin = Map.of("SHELTER_URL", url, "SHELTER_TOKEN_FILE", adminTokenFile.toString());

        Run created = shelterJar(admin, "backup", "create", "primary", "--label", "cli it", "--wait");
        assertEquals(0, created.exitCode(), created.toString());
        String id = created.out().lines().findFirst().orElseThrow().split(" ")[1];
        assertTrue(created.out().contains("backup " + id + " completed: start "), created.toString());
        assertEquals("completed", shelter.client().get("/api/v1/backups/" + id).body().path("state").asText());

        Run failed = shelterJar(admin, "backup", "create", "missing-volume", "--wait");
        assertEquals(1, failed.exitCode(), failed.toString());
        String failedId = failed.out().lines().findFirst().orElseThrow().split(" ")[1];
        assertTrue(failed.err().startsWith("shelter backup: backup " + failedId + " failed: ") && failed.err().contains("no-such-volume"),
                failed.toString());

        Run listed = shelterJar(Map.of("SHELTER_URL", url, "SHELTER_TOKEN", VIEWER), "backup", "list", "primary");
        assertEquals(0, listed.exitCode(), listed.toString());
        assertTrue(listed.out().lines().anyMatch(l -> l.startsWith(id + "  ") && l.contains(" completed ") && l.contains("cli it")),
                listed.toString());
        Run listedFailed = shelterJar(Map.of("SHELTER_URL", url, "SHELTER_TOKEN", VIEWER), "backup", "list", "missing-volume");
        assertTrue(listedFailed.out().lines().anyMatch(l -> l.startsWith(failedId + "  ") && l.contains(" failed ")
                && l.contains("no-such-volume")), "the failure reason is listed: " + listedFailed);

        Run shown = shelterJar(admin, "backup", "show", id);
        assertEquals(0, shown.exitCode(), shown.toString());
        assertEquals(shelter.client().get("/api/v1/backups/" + id).body(), ShelterClient.JSON.readTree(shown.out()));

        Run wrongToken = shelterJar(Map.of("SHELTER_URL", url, "SHELTER_TOKEN", "not-a-token"), "backup", "list", "primary");
        assertOneLineFailure(wrongToken, "cannot list backups of primary: Shelter refused the token from $SHELTER_TOKEN (HTTP 401");
        Run viewerDeletes = shelterJar(Map.of("SHELTER_URL", url), "backup", "delete", id, "--token-file", viewerTokenFile.toString());
        assertOneLineFailure(viewerDeletes, "cannot delete backup " + id + ": the token from --token-file " + viewerTokenFile
                + " was accepted, but its role may not do this (HTTP 403");

        Run exported = shelterJar(admin, "backup", "export", id, "--wait");
        assertEquals(0, exported.exitCode(), exported.toString());
        assertTrue(exported.out().startsWith("backup " + id + " export started"), exported.toString());
        assertTrue(exported.out().lines().anyMatch(l -> l.startsWith("backup " + id + " exported at ") && l.contains(" chunks new")),
                exported.toString());
        assertEquals("exported", shelter.client().get("/api/v1/backups/" + id).body().path("offsite").path("state").asText());

        Run guarded = shelterJar(admin, "backup", "protect", id, "--reason", "audit 2026");
        assertEquals(0, guarded.exitCode(), guarded.toString());
        assertTrue(guarded.out().startsWith("backup " + id + " protected since ") && guarded.out().strip().endsWith("(audit 2026)"),
                guarded.toString());
        assertTrue(shelterJar(Map.of("SHELTER_URL", url, "SHELTER_TOKEN", VIEWER), "backup", "list", "primary").out().lines()
                .anyMatch(l -> l.startsWith(id + "  ") && l.contains("audit 2026")), "the list shows the protection");
        assertOneLineFailure(shelterJar(admin, "backup", "delete", id), "cannot delete backup " + id + ": HTTP 409: backup "
                + id + " is protected (audit 2026, since ");
        Run unprotected = shelterJar(admin, "backup", "unprotect", id);
        assertEquals("backup " + id + " unprotected", unprotected.out().strip(), unprotected.toString());

        Run deleted = shelterJar(admin, "backup", "delete", id);
        assertEquals(0, deleted.exitCode(), deleted.toString());
        assertEquals("backup " + id + " deleted", deleted.out().strip(), deleted.toString());
        Run again = shelterJar(admin, "backup", "delete", id);
        // The line follows the service's answer to a second DELETE, whichever it is (the same answer, idempotently).
        int status = shelter.client().delete("/api/v1/backups/" + id).status();
        if (status == 404) {
            assertOneLineFailure(again, "no backup " + id + " (HTTP 404");
        } else {
            assertEquals(200, status, "a second DELETE answers 200 or 404");
            assertEquals(0, again.exitCode(), again.toString());
            assertEquals("backup " + id + " already deleted", again.out().strip(), again.toString());
        }
        Run unknown = shelterJar(admin, "backup", "delete", "20200101T000000Z-000000");
        assertOneLineFailure(unknown, "no backup 20200101T000000Z-000000 (HTTP 404");
    }

    @Test
    void schedulesAndRetentionThroughTheCommandLine() throws Exception {
        Map<String, String> admin = Map.of("SHELTER_URL", url, "SHELTER_TOKEN_FILE", adminTokenFile.toString());
        Map<String, String> viewer = Map.of("SHELTER_URL", url, "SHELTER_TOKEN", VIEWER);

        Run created = shelterJar(admin, "schedule", "create", "primary", "--cron", "0 0 3 * * ?", "--label", "cli nightly");
        assertEquals(0, created.exitCode(), created.toString());
        assertTrue(created.out().startsWith("schedule ") && created.out().contains(" of primary created (backup, Quartz 0 0 3 * * ? in UTC)"
                + ", next fires "), created.toString());
        String id = created.out().split(" ")[1];
        Run listed = shelterJar(viewer, "schedule", "list", "primary");
        assertTrue(listed.out().lines().anyMatch(l -> l.startsWith(id + "  ") && l.contains(" active ")), listed.toString());

        Run paused = shelterJar(admin, "schedule", "pause", id);
        assertEquals("schedule " + id + " paused", paused.out().strip(), paused.toString());
        assertEquals(paused.out(), shelterJar(admin, "schedule", "pause", id).out(), "pausing a paused schedule is no error");
        assertTrue(shelter.client().get("/api/v1/schedules/" + id).body().path("paused").asBoolean());
        Run none = shelterJar(viewer, "schedule", "next", id);
        assertEquals("schedule " + id + " has no fire ahead (it is paused, or its cron never fires again)", none.out().strip(),
                none.toString());
        Run resumed = shelterJar(admin, "schedule", "resume", id);
        Run next = shelterJar(viewer, "schedule", "next", id, "--count", "3");
        assertEquals(0, next.exitCode(), next.toString());
        List<String> times = next.out().lines().toList();
        assertEquals(3, times.size(), next.toString());
        times.forEach(time -> assertTrue(java.time.Instant.parse(time).toString().endsWith("T03:00:00Z"), next.toString()));
        assertTrue(resumed.out().startsWith("schedule " + id + " active, next fire " + times.get(0)), resumed.toString());

        Run badCron = shelterJar(admin, "schedule", "create", "primary", "--cron", "61 * * * *");
        assertOneLineFailure(badCron, "shelter schedule: ", "cannot create a schedule of primary: ");
        assertTrue(badCron.err().contains("HTTP 400: '61 * * * *' is not a valid cron expression"), badCron.toString());
        Run deleted = shelterJar(admin, "schedule", "delete", id);
        assertEquals("schedule " + id + " deleted", deleted.out().strip(), deleted.toString());
        assertOneLineFailure(shelterJar(viewer, "schedule", "show", id), "shelter schedule: ", "cannot show schedule " + id);

        String older = shelter.client().awaitEnd(shelter.client().post("/api/v1/clusters/primary/backups", "{\"label\": \"older\"}")
                .body().path("id").asText()).path("id").asText();
        String newer = shelter.client().awaitEnd(shelter.client().post("/api/v1/clusters/primary/backups", "{\"label\": \"newer\"}")
                .body().path("id").asText()).path("id").asText();
        assertOneLineFailure(shelterJar(admin, "retention", "sweep", "primary"), "shelter retention: ",
                "a sweep deletes backups of primary: add --confirm primary");
        Run preview = shelterJar(admin, "retention", "sweep", "primary", "--dry-run");
        assertEquals(0, preview.exitCode(), preview.toString());
        assertTrue(preview.out().lines().anyMatch(l -> l.startsWith(older + "  ") && l.contains("would delete")), preview.toString());
        assertTrue(preview.out().lines().anyMatch(l -> l.startsWith(newer + "  ") && l.contains(" keep ")), preview.toString());
        assertEquals("completed", shelter.client().get("/api/v1/backups/" + older).body().path("state").asText(), "a dry run deletes nothing");
        Run swept = shelterJar(admin, "retention", "sweep", "primary", "--confirm", "primary");
        assertEquals(0, swept.exitCode(), swept.toString());
        assertTrue(swept.out().contains("deleted: ") && swept.out().contains(older) && swept.out().contains("plain files"), swept.toString());
        assertEquals("deleted", shelter.client().get("/api/v1/backups/" + older).body().path("state").asText());
        assertEquals("completed", shelter.client().get("/api/v1/backups/" + newer).body().path("state").asText());
    }

    private static void assertOneLineFailure(Run run, String command, String start) {
        assertEquals(1, run.exitCode(), run.toString());
        assertEquals(1, run.err().lines().count(), "one line on stderr: " + run);
        assertTrue(run.err().startsWith(command + start), run.toString());
        assertFalse(run.err().contains("\tat ") || run.out().contains("\tat "), run.toString());
    }

    private record Run(int exitCode, String out, String err) {

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Runs {@code java -jar shelter.jar arguments} with only {@code environment}'s SHELTER_ variables set. */
    private Run shelterJar(Map<String, String> environment, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-jar", ShelterProcess.JAR.toAbsolutePath().toString()));
        command.addAll(List.of(arguments));
        Path out = Files.createTempFile(scratch.path(), "cli", ".out");
        Path err = Files.createTempFile(scratch.path(), "cli", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().keySet().removeIf(key -> key.startsWith("SHELTER_"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", arguments) + " did not end within 120 s");
        }
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    /** Exit 1 and a single line on stderr starting with "shelter backup: " then {@code start}; no stack trace. */
    private static void assertOneLineFailure(Run run, String start) {
        assertEquals(1, run.exitCode(), run.toString());
        assertEquals(1, run.err().lines().count(), "one line on stderr: " + run);
        assertTrue(run.err().startsWith("shelter backup: " + start), run.toString());
        assertFalse(run.err().contains("\tat ") || run.out().contains("\tat "), run.toString());
    }
}
