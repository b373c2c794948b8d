package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupModeWindow;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.postgres.ControlFile;
import dev.shelter.runbooks.wal.TimelineHistory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Prepares a restored, stopped PGDATA for recovery from a backup (DESIGN.md section 3, rules 2, 3
 * and 6): removes the stale pid file, writes backup_label and tablespace_map byte for byte from the
 * manifest, recovery.signal, and the recovery settings in postgresql.auto.conf. Then
 * {@link #verify} proves, before PostgreSQL may start, that what is on disk is what the manifest says.
 */
public final class RecoveryFiles {

    public static final String BACKUP_LABEL = "backup_label";
    public static final String TABLESPACE_MAP = "tablespace_map";
    public static final String RECOVERY_SIGNAL = "recovery.signal";
    private static final String STANDBY_SIGNAL = "standby.signal";
    private static final String AUTO_CONF = "postgresql.auto.conf";
    private static final String PID_FILE = "postmaster.pid";
    private static final String BLOCK_START = "# --- shelter restore settings";
    private static final java.util.regex.Pattern RECOVERY_SETTING = java.util.regex.Pattern.compile(
            "\\s*(restore_command|recovery_target\\w*|recovery_end_command)\\s*=");

    private RecoveryFiles() {
    }

    /** Where recovery stops, on the backup's own timeline, before it promotes. */
    public enum Target {
        /** The end of the backup ('immediate'): exactly the backup's data. */
        BACKUP_END,
        /** The last WAL the archive holds: every transaction committed and archived since. */
        END_OF_ARCHIVE;

        RestoreTarget asRestoreTarget() {
            return this == BACKUP_END ? new RestoreTarget.BackupEnd() : new RestoreTarget.Latest();
        }
    }

    /**
     * Writes the recovery files. {@code restoreCommand} fetches WAL (%f, %p); the target is the end
     * of the backup ('immediate'), on the backup's own timeline, promoted when reached.
     */
    public static void write(Path pgdata, BackupManifest manifest, String restoreCommand) {
        write(pgdata, manifest, restoreCommand, Target.BACKUP_END);
    }

    /** As {@link #write(Path, BackupManifest, String)}, recovering to {@code target}. */
    public static void write(Path pgdata, BackupManifest manifest, String restoreCommand, Target target) {
        write(pgdata, manifest, restoreCommand, target, null);
    }

    /** As {@link #write(Path, BackupManifest, String, RestoreTarget, TimelineHistory)} for the two simple targets. */
    public static void write(Path pgdata, BackupManifest manifest, String restoreCommand, Target target, TimelineHistory along) {
        write(pgdata, manifest, restoreCommand, target.asRestoreTarget(), along);
    }

    /**
     * Writes the recovery files for {@code target}, following {@code along}'s timeline (its history
     * as archived; null: the backup's own), which must continue the backup's: the backup's timeline
     * is in it and had not yet branched off where the backup ended. Otherwise the restore is refused.
     */
    public static void write(Path pgdata, BackupManifest manifest, String restoreCommand, RestoreTarget target,
                             TimelineHistory along) {
        write(pgdata, manifest, restoreCommand, target, along, java.util.Map.of());
    }

    /**
     * Writes the recovery files for {@code target} and verifies them. Each setting a server replaying
     * this WAL needs at least as high as the backup's pg_control records, or as {@code settingsAtLeast}
     * asks (names pg_control does not record are ignored), is raised in the recovery settings where
     * {@code configured} (what the restored server would run with) falls short: lower, PostgreSQL
     * pauses recovery. Returns what was raised, "max_connections 100 -> 150".
     */
    public static List<String> writeRaisingSettings(Path pgdata, BackupManifest manifest, String restoreCommand,
                                                    RestoreTarget target, TimelineHistory along,
                                                    java.util.Map<String, Integer> settingsAtLeast,
                                                    java.util.function.ToIntFunction<String> configured) {
        // First without settings, so a block left by an earlier restore is gone before the configuration is read.
        write(pgdata, manifest, restoreCommand, target, along);
        java.util.Map<String, Integer> required = ControlFile.read(pgdata).standbySettings().byName();
        required.replaceAll((name, recorded) -> Math.max(recorded, settingsAtLeast.getOrDefault(name, recorded)));
        java.util.Map<String, String> raised = new java.util.LinkedHashMap<>();
        List<String> notes = new java.util.ArrayList<>();
        required.forEach((name, needed) -> {
            int current = configured.applyAsInt(name);
            if (current < needed) {
                raised.put(name, Integer.toString(needed));
                notes.add(name + " " + current + " -> " + needed);
            }
        });
        if (!raised.isEmpty()) {
            write(pgdata, manifest, restoreCommand, target, along, raised);
        }
        verify(pgdata, manifest);
        return notes;
    }

    /**
     * As {@link #write(Path, BackupManifest, String, RestoreTarget, TimelineHistory)}, with {@code settings}
     * (name to value) written into the recovery settings too.
     */
    public static void write(Path pgdata, BackupManifest manifest, String restoreCommand, RestoreTarget target,
                             TimelineHistory along, java.util.Map<String, String> settings) {
        BackupModeWindow window = requireWindow(manifest);
        Timeline timeline = along == null ? window.timeline() : requireReachable(manifest, along);
        refuseLiveServer(pgdata);
        try {
            UserPrincipal owner = Files.getOwner(pgdata);
            Files.deleteIfExists(pgdata.resolve(PID_FILE));
            Files.deleteIfExists(pgdata.resolve("postmaster.opts"));
            if (window.hasLabelFile()) {
                writeOwned(pgdata.resolve(BACKUP_LABEL), window.labelFile().getBytes(StandardCharsets.UTF_8), owner);
            }
            if (!window.tablespaceMap().isEmpty()) {
                writeOwned(pgdata.resolve(TABLESPACE_MAP), window.tablespaceMap().getBytes(StandardCharsets.UTF_8), owner);
            } else {
                Files.deleteIfExists(pgdata.resolve(TABLESPACE_MAP));
            }
            writeOwned(pgdata.resolve(RECOVERY_SIGNAL), new byte[0], owner);
            writeOwned(pgdata.resolve(AUTO_CONF), withRecoverySettings(pgdata.resolve(AUTO_CONF), manifest, restoreCommand, target,
                    timeline, settings), owner);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write recovery files into " + pgdata, e);
        }
    }

    /**
     * Refuses to let PostgreSQL start unless backup_label equals the manifest's label file byte for
     * byte (or is absent for an offline backup), and the data directory's pg_control belongs to the
     * server the backup was taken from.
     */
    public static void verify(Path pgdata, BackupManifest manifest) {
        BackupModeWindow window = requireWindow(manifest);
        Path label = pgdata.resolve(BACKUP_LABEL);
        try {
            if (window.hasLabelFile()) {
                if (!Files.exists(label)) {
                    throw new RestoreRefusedException(pgdata + " has no backup_label: starting it would replay from the wrong "
                            + "checkpoint and could corrupt the restore silently");
                }
                byte[] expected = window.labelFile().getBytes(StandardCharsets.UTF_8);
                if (!Arrays.equals(expected, Files.readAllBytes(label))) {
                    throw new RestoreRefusedException("backup_label in " + pgdata + " differs from the manifest of backup "
                            + manifest.id());
                }
            } else if (Files.exists(label)) {
                throw new RestoreRefusedException(pgdata + " has a backup_label, but backup " + manifest.id()
                        + " was taken offline and has none");
            }
            SystemIdentifier systemIdentifier = readSystemIdentifier(pgdata);
            if (!systemIdentifier.equals(manifest.server().systemIdentifier())) {
                throw new RestoreRefusedException(pgdata + " belongs to system " + systemIdentifier + ", backup " + manifest.id()
                        + " to system " + manifest.server().systemIdentifier());
            }
            if (!Files.exists(pgdata.resolve(RECOVERY_SIGNAL))) {
                throw new RestoreRefusedException(pgdata + " has no recovery.signal");
            }
        } catch (IOException e) {
            throw new RestoreRefusedException("cannot read " + pgdata + " to verify it: " + e.getMessage(), e);
        }
    }

    /**
     * Puts recovery.signal back into a stopped data directory whose recovery was cut off at its very
     * end: pg_control says recovery was under way, this restore's settings are still in
     * postgresql.auto.conf, and no signal file is left. PostgreSQL removes the signal just before it
     * writes the new timeline's history and leaves recovery; stopped in between (a crash, a failed
     * write), a plain start does crash recovery along the old timeline through all the WAL it kept in
     * pg_wal, past the target. With the signal back it recovers to the same target and promotes.
     * Returns what it did, for the journal; nothing when nothing was cut off.
     */
    public static Optional<String> rearmCutOffRecovery(Path pgdata) {
        ControlFile control = ControlFile.read(pgdata);
        boolean recovering = control.state() == ControlFile.State.IN_ARCHIVE_RECOVERY
                || control.state() == ControlFile.State.SHUT_DOWN_IN_RECOVERY;
        try {
            Path autoConf = pgdata.resolve(AUTO_CONF);
            boolean restoreSettings = Files.exists(autoConf) && Files.readString(autoConf, StandardCharsets.UTF_8).contains(BLOCK_START);
            if (!recovering || !restoreSettings || Files.exists(pgdata.resolve(RECOVERY_SIGNAL))
                    || Files.exists(pgdata.resolve(STANDBY_SIGNAL))) {
                return Optional.empty();
            }
            refuseLiveServer(pgdata);
            writeOwned(pgdata.resolve(RECOVERY_SIGNAL), new byte[0], Files.getOwner(pgdata));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot put recovery.signal back into " + pgdata, e);
        }
        return Optional.of("recovery.signal put back: pg_control says " + control.state() + " at checkpoint " + control.checkpoint()
                + " on timeline " + control.timeline().id() + ", and the signal was gone");
    }

    /** The system identifier in pg_control, read by the one reader (which refuses a damaged file). */
    static SystemIdentifier readSystemIdentifier(Path pgdata) {
        try {
            return SystemIdentifier.parse(ControlFile.read(pgdata).systemIdentifierText());
        } catch (ControlFile.InvalidControlFileException | UncheckedIOException e) {
            throw new RestoreRefusedException("cannot trust the pg_control of " + pgdata + ": " + e.getMessage(), e);
        }
    }

    private static void refuseLiveServer(Path pgdata) {
        Path pidFile = pgdata.resolve(PID_FILE);
        if (!Files.exists(pidFile, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Optional<Long> pid = readPid(pidFile);
        if (pid.isPresent() && isPostmasterOf(pid.get(), pgdata)) {
            throw new RestoreRefusedException(pgdata + " belongs to a running PostgreSQL (pid " + pid.get()
                    + "): never write recovery files into a live data directory");
        }
    }

    /**
     * A restored snapshot of a running server always carries its postmaster.pid, so the pid in it
     * says little: that process may be gone, a zombie nobody reaped yet, or a reused pid. A live
     * postmaster runs in its data directory, which /proc shows; without /proc, or without the right
     * to read it, any live process named postgres counts, to stay on the safe side.
     */
    static boolean isPostmasterOf(long pid, Path pgdata) {
        Path proc = Path.of("/proc", Long.toString(pid));
        if (Files.isDirectory(Path.of("/proc/self"))) {
            try {
                String stat = Files.readString(proc.resolve("stat"), StandardCharsets.US_ASCII);
                char state = stat.charAt(stat.lastIndexOf(')') + 2);
                if (state == 'Z' || state == 'X') {
                    return false;
                }
                return Files.readSymbolicLink(proc.resolve("cwd")).equals(pgdata.toRealPath());
            } catch (java.nio.file.NoSuchFileException e) {
                return false;
            } catch (IOException | RuntimeException e) {
                // unreadable: fall through to the coarser check
            }
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .map(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(true)).orElse(false);
    }

    private static Optional<Long> readPid(Path pidFile) {
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Timeline requireReachable(BackupManifest manifest, TimelineHistory along) {
        BackupModeWindow window = manifest.window();
        if (!along.descendsFrom(window.timeline())) {
            throw new RestoreRefusedException("timeline " + along.timeline() + " does not descend from timeline " + window.timeline()
                    + " of backup " + manifest.id());
        }
        Optional<Lsn> branched = along.endOf(window.timeline());
        if (branched.isPresent() && branched.get().compareTo(window.stopLsn()) < 0) {
            throw new RestoreRefusedException("timeline " + along.timeline() + " branched off timeline " + window.timeline() + " at "
                    + branched.get() + ", before backup " + manifest.id() + " ended at " + window.stopLsn());
        }
        return along.timeline();
    }

    private static byte[] withRecoverySettings(Path autoConf, BackupManifest manifest, String restoreCommand, RestoreTarget target,
                                               Timeline timeline, java.util.Map<String, String> settings) throws IOException {
        String existing = Files.exists(autoConf) ? Files.readString(autoConf, StandardCharsets.UTF_8) : "";
        int previous = existing.indexOf(BLOCK_START);
        if (previous >= 0) {
            existing = existing.substring(0, previous); // a restore run again replaces its own settings
        }
        // Exactly one target: recovery settings from elsewhere (an earlier restore's, rewritten by ALTER SYSTEM,
        // which drops the block's marker) would add a second one, or another restore_command.
        existing = existing.lines().filter(line -> !RECOVERY_SETTING.matcher(line).lookingAt())
                .map(line -> line + "\n").collect(java.util.stream.Collectors.joining());
        if (!existing.isEmpty() && !existing.endsWith("\n")) {
            existing += "\n";
        }
        String block = BLOCK_START + " (backup " + manifest.id() + ")\n"
                + "restore_command = '" + quote(restoreCommand) + "'\n"
                + targetLines(target)
                + "recovery_target_timeline = '" + timeline.id() + "'\n"
                + "recovery_target_action = 'promote'\n"
                + settings.entrySet().stream().map(e -> e.getKey() + " = '" + quote(e.getValue()) + "'\n")
                .collect(java.util.stream.Collectors.joining());
        return (existing + block).getBytes(StandardCharsets.UTF_8);
    }

    /** Exactly one target, and its inclusiveness where it has one (on otherwise, PostgreSQL's default, said explicitly). */
    private static String targetLines(RestoreTarget target) {
        StringBuilder lines = new StringBuilder();
        target.settings().forEach((key, value) -> lines.append(key).append(" = '").append(quote(value)).append("'\n"));
        if (!target.settings().containsKey("recovery_target_inclusive")) {
            lines.append("recovery_target_inclusive = on\n");
        }
        return lines.toString();
    }

    private static String quote(String value) {
        return value.replace("'", "''");
    }

    private static void writeOwned(Path file, byte[] bytes, UserPrincipal owner) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".shelter-tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
        Files.setOwner(temp, owner);
        Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static BackupModeWindow requireWindow(BackupManifest manifest) {
        if (manifest.window() == null || manifest.server() == null) {
            throw new RestoreRefusedException("backup " + manifest.id() + " never reached its stop point and cannot be restored");
        }
        return manifest.window();
    }
}
