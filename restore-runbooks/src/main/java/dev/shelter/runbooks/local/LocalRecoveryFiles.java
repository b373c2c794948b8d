package dev.shelter.runbooks.local;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.cluster.LocalTarget;
import dev.shelter.runbooks.restore.RecoveryFiles;
import dev.shelter.runbooks.restore.RecoveryFilesTarget;
import dev.shelter.runbooks.restore.RestoreTarget;
import dev.shelter.runbooks.wal.TimelineHistory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Recovery files written in this process into a local data directory. The settings a restored
 * server needs at least as high as the server that wrote its WAL are read as the server will run
 * with them ({@code postgres -C}, which reads the configuration files and starts nothing) and raised
 * in the recovery settings where they fall short.
 */
public final class LocalRecoveryFiles implements RecoveryFilesTarget {

    private static final long COMMAND_TIMEOUT_SECONDS = 60;

    private final LocalTarget target;

    public LocalRecoveryFiles(LocalTarget target) {
        this.target = target;
    }

    @Override
    public List<String> write(BackupManifest backup, String restoreCommand, RestoreTarget restoreTarget, TimelineHistory along,
                              Map<String, Integer> settingsAtLeast) {
        return RecoveryFiles.writeRaisingSettings(target.dataDirectory(), backup, restoreCommand, restoreTarget, along, settingsAtLeast,
                this::configured);
    }

    @Override
    public java.util.Optional<String> rearmCutOffRecovery() {
        return RecoveryFiles.rearmCutOffRecovery(target.dataDirectory());
    }

    /** The value the server would run with, from its configuration files. */
    private int configured(String setting) {
        List<String> command = List.of(target.binDirectory().resolve("postgres").toString(), "-D", target.dataDirectory().toString(),
                "-C", setting);
        try {
            Process process = new OsUserCommand(target.osUser(), command).processBuilder().redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + process.exitValue() + "): " + output);
            }
            String[] lines = output.split("\n");
            return Integer.parseInt(lines[lines.length - 1].strip());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(String.join(" ", command) + " did not print a number", e);
        }
    }

    @Override
    public String describe() {
        return target.dataDirectory().toString();
    }
}
