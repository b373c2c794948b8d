package dev.shelter.runbooks.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OsUserCommandTest {

    /** Changes into the directory it was started in, as Python's multiprocessing does; prints it and who it runs as. */
    private static final List<String> ENTER_OWN_DIRECTORY = List.of("sh", "-c", "cd \"$(pwd -P)\" && pwd -P && id -un");

    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    @Test
    void startsFromTheRootDirectoryNotThisJvmsOwn() {
        ProcessBuilder builder = new OsUserCommand("postgres", List.of("/usr/bin/true")).processBuilder();

        assertEquals(new File("/"), builder.directory());
        assertEquals(ROOT ? List.of("runuser", "-u", "postgres", "--", "/usr/bin/true") : List.of("/usr/bin/true"),
                builder.command());
        assertEquals(List.of("/usr/bin/true"), OsUserCommand.asCurrentUser(List.of("/usr/bin/true")).processBuilder().command(),
                "a command as this JVM's own user needs no runuser");
    }

    /**
     * The defect this class exists for: started as root from a directory of mode 0700 (a clone under
     * root's home), a process of the server user inherits a working directory it cannot enter. Shown
     * with a plain ProcessBuilder first, so the check is known to catch it; then the same command
     * through OsUserCommand enters its directory.
     */
    @Test
    void theServerUserCanEnterItsWorkingDirectoryWhenTheCallersIsClosedToIt(@TempDir Path scratch) throws Exception {
        Path closed = Files.createDirectory(scratch.resolve("closed"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        String user = ROOT ? "postgres" : System.getProperty("user.name");
        if (ROOT) {
            List<String> inherited = new ArrayList<>(List.of("runuser", "-u", user, "--"));
            inherited.addAll(ENTER_OWN_DIRECTORY);
            Run refused = run(new ProcessBuilder(inherited).directory(closed.toFile()));
            assertNotEquals(0, refused.exitCode(), "the server user must not be able to enter " + closed + ": " + refused);
            assertTrue(refused.output().contains("cd"), refused.toString());
        }

        Run entered = run(new OsUserCommand(user, ENTER_OWN_DIRECTORY).processBuilder());

        assertEquals(0, entered.exitCode(), entered.toString());
        assertEquals("/\n" + user + "\n", entered.output());
    }

    private record Run(int exitCode, String output) {
    }

    private static Run run(ProcessBuilder builder) throws IOException, InterruptedException {
        Process process = builder.redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(builder.command() + " did not end within 30 s");
        }
        return new Run(process.exitValue(), output);
    }
}
