package dev.shelter.runbooks.local;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A command to run as an OS user (say, {@code postgres}, which the server needs because it refuses root).
 *
 * <p>When this JVM runs as root and the user is another, the command goes through {@code runuser}; otherwise it
 * runs as this JVM's user, which is all a non-root process can do. Either way it starts in {@link #WORKING_DIRECTORY},
 * never in this JVM's own working directory: that may be one the user cannot enter (a clone under root's home,
 * mode 0700), and then initdb, pg_ctl or Patroni's Python fail when they look up or change into their working
 * directory. So every path in the command must be absolute.
 */
public record OsUserCommand(String user, List<String> command) {

    /** Every user can enter it, and nothing a command writes should land there by accident of a relative path. */
    public static final Path WORKING_DIRECTORY = Path.of("/");

    public OsUserCommand {
        Objects.requireNonNull(user, "user");
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("an empty command");
        }
    }

    /** The command as this JVM's own user. */
    public static OsUserCommand asCurrentUser(List<String> command) {
        return new OsUserCommand(currentUser(), command);
    }

    /** A builder that starts the command as {@link #user()} in {@link #WORKING_DIRECTORY}, reading nothing from stdin. */
    public ProcessBuilder processBuilder() {
        List<String> full = new ArrayList<>();
        if (switchesUser()) {
            full.addAll(List.of("runuser", "-u", user, "--"));
        }
        full.addAll(command);
        return new ProcessBuilder(full).directory(WORKING_DIRECTORY.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }

    /** Whether the command runs through runuser: only root can switch, and only to another user. */
    public boolean switchesUser() {
        return "root".equals(currentUser()) && !"root".equals(user);
    }

    private static String currentUser() {
        return System.getProperty("user.name");
    }
}
