package dev.shelter.runbooks.local;

import dev.shelter.runbooks.cluster.LocalTarget;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL server on this machine, driven by pg_ctl run as the target's OS user (the server
 * refuses root): {@link LocalClusterControl}'s detail, never a port of its own (the runbooks change a
 * cluster's members only through {@code ClusterControl.scale}). The server's output goes to
 * {@code log/shelter-pg_ctl.log} in its data directory. Both calls wait until done and are idempotent.
 */
final class LocalServer {

    private static final long COMMAND_TIMEOUT_SECONDS = 120;

    private final LocalTarget target;

    LocalServer(LocalTarget target) {
        this.target = target;
    }

    /** A fast, clean shutdown (sessions rolled back, shutdown checkpoint written). */
    void stopCleanly() {
        if (!isRunning()) {
            return;
        }
        run(pgCtl("stop", "-m", "fast", "-w", "-t", "90"));
    }

    void start() {
        if (isRunning()) {
            return;
        }
        Path logDirectory = target.dataDirectory().resolve("log");
        try {
            if (!Files.isDirectory(logDirectory)) {
                Files.createDirectory(logDirectory);
                Files.setOwner(logDirectory, Files.getOwner(target.dataDirectory()));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + logDirectory + ": " + e.getMessage(), e);
        }
        run(pgCtl("start", "-w", "-t", "90", "-l", logDirectory.resolve("shelter-pg_ctl.log").toString()));
    }

    boolean isRunning() {
        // pg_ctl status: 0 running, 3 not running, 4 no data directory
        return execute(pgCtl("status")).exitCode() == 0;
    }

    private List<String> pgCtl(String... arguments) {
        List<String> command = new ArrayList<>(List.of(target.binDirectory().resolve("pg_ctl").toString(), "-D",
                target.dataDirectory().toString()));
        command.addAll(List.of(arguments));
        return command;
    }

    private record Result(int exitCode, String output) {
    }

    private Result run(List<String> command) {
        Result result = execute(command);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed with exit code " + result.exitCode() + ": "
                    + result.output().strip());
        }
        return result;
    }

    /** Runs as the target's OS user when Shelter runs as root, as itself otherwise; from a directory that user can enter. */
    private Result execute(List<String> command) {
        try {
            Process process = new OsUserCommand(target.osUser(), command).processBuilder().redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }
}
