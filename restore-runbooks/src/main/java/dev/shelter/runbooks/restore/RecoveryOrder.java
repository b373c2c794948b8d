package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.catalog.ManifestCodec;
import dev.shelter.runbooks.postgres.ControlFile;
import dev.shelter.runbooks.wal.TimelineHistory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a process next to the volume needs to write a restore's recovery files (on Kubernetes, the
 * restore-prepare job of Shelter's own image), carried to it as one argument, and the report it
 * prints back. Both ends live here, so they cannot drift apart.
 *
 * <p>Where that process cannot ask PostgreSQL what it would run with ({@code postgres -C}: the job's
 * image has no PostgreSQL), the restored data directory's pg_control stands in for it: it records
 * what the server ran with when the snapshot was taken, which is what the snapshot's configuration
 * gives. A setting {@code settingsAtLeast} asks higher than that is raised in the recovery settings.
 */
public record RecoveryOrder(BackupManifest backup, String restoreCommand, RestoreTarget target, TimelineHistory along,
                            Map<String, Integer> settingsAtLeast) {

    private static final String PREFIX = "shelter restore-prepare: ";
    private static final String LABEL = PREFIX + "backup_label sha256 ";
    private static final String RAISED = PREFIX + "raised ";
    private static final String DONE = PREFIX + "done";
    private static final String NO_LABEL = "none";

    public RecoveryOrder {
        Objects.requireNonNull(backup, "backup");
        Objects.requireNonNull(restoreCommand, "restoreCommand");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(along, "along");
        settingsAtLeast = Map.copyOf(settingsAtLeast);
    }

    /** One line of base64 (URL alphabet, so it is safe as a command argument). */
    public String encode() {
        StringBuilder fields = new StringBuilder();
        field(fields, "manifest", new ManifestCodec().encode(backup));
        field(fields, "restoreCommand", restoreCommand.getBytes(StandardCharsets.UTF_8));
        field(fields, "target", target.encode().getBytes(StandardCharsets.UTF_8));
        field(fields, "timeline", Long.toString(along.timeline().id()).getBytes(StandardCharsets.US_ASCII));
        field(fields, "history", along.render());
        StringBuilder settings = new StringBuilder();
        settingsAtLeast.forEach((name, value) -> settings.append(name).append('=').append(value).append(','));
        field(fields, "settingsAtLeast", settings.toString().getBytes(StandardCharsets.US_ASCII));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(fields.toString().getBytes(StandardCharsets.US_ASCII));
    }

    /** Reads what {@link #encode} wrote; {@link IllegalArgumentException} says what is wrong with it. */
    public static RecoveryOrder decode(String text) {
        Map<String, byte[]> fields = new LinkedHashMap<>();
        try {
            String lines = new String(Base64.getUrlDecoder().decode(text.strip()), StandardCharsets.US_ASCII);
            for (String line : lines.split("\n")) {
                String[] parts = line.split(" ", 2);
                fields.put(parts[0], Base64.getDecoder().decode(parts.length > 1 ? parts[1] : ""));
            }
            Timeline timeline = new Timeline(Long.parseLong(text(fields, "timeline")));
            Map<String, Integer> settings = new LinkedHashMap<>();
            for (String setting : text(fields, "settingsAtLeast").split(",")) {
                if (!setting.isEmpty()) {
                    settings.put(setting.substring(0, setting.indexOf('=')), Integer.parseInt(setting.substring(setting.indexOf('=') + 1)));
                }
            }
            return new RecoveryOrder(new ManifestCodec().decode(required(fields, "manifest")), text(fields, "restoreCommand"),
                    RestoreTarget.decode(text(fields, "target")), TimelineHistory.parse(timeline, required(fields, "history")), settings);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a recovery order from Shelter: " + e.getMessage(), e);
        }
    }

    /**
     * Writes the recovery files into {@code pgdata} (idempotently), raises what falls short of
     * {@code settingsAtLeast}, verifies them as written, and returns the report lines to print.
     */
    public List<String> carryOut(Path pgdata) {
        Map<String, Integer> recorded = ControlFile.read(pgdata).standbySettings().byName();
        List<String> report = new ArrayList<>(RecoveryFiles.writeRaisingSettings(pgdata, backup, restoreCommand, target, along,
                settingsAtLeast, recorded::get).stream().map(raised -> RAISED + raised).toList());
        // The digest of the file as it is on the volume now, not of what was meant to be written.
        report.add(0, LABEL + writtenLabelDigest(pgdata));
        report.add(DONE);
        return report;
    }

    /**
     * Checks the report in {@code log} (whatever else the log holds): the backup_label written is the
     * manifest's, byte for byte, and the job finished. Returns what was raised, for the journal.
     *
     * @throws IllegalStateException when the report is missing, incomplete or names another label
     */
    public List<String> checkReport(String log) {
        List<String> raised = new ArrayList<>();
        String label = null;
        boolean done = false;
        for (String line : log.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith(LABEL)) {
                label = trimmed.substring(LABEL.length());
            } else if (trimmed.startsWith(RAISED)) {
                raised.add(trimmed.substring(RAISED.length()));
            } else if (trimmed.equals(DONE)) {
                done = true;
            }
        }
        if (!done || label == null) {
            throw new IllegalStateException("the restore-prepare report is incomplete (no '" + (label == null ? LABEL.strip() : DONE)
                    + "' line)");
        }
        if (!label.equals(labelDigest(backup))) {
            throw new IllegalStateException("the backup_label written has sha256 " + label + ", but backup " + backup.id()
                    + "'s is " + labelDigest(backup));
        }
        return raised;
    }

    private static String labelDigest(BackupManifest backup) {
        if (backup.window() == null || !backup.window().hasLabelFile()) {
            return NO_LABEL;
        }
        return sha256(backup.window().labelFile().getBytes(StandardCharsets.UTF_8));
    }

    private static String writtenLabelDigest(Path pgdata) {
        Path label = pgdata.resolve(RecoveryFiles.BACKUP_LABEL);
        try {
            return Files.exists(label) ? sha256(Files.readAllBytes(label)) : NO_LABEL;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read back " + label, e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    private static void field(StringBuilder fields, String name, byte[] value) {
        fields.append(name).append(' ').append(Base64.getEncoder().encodeToString(value)).append('\n');
    }

    private static byte[] required(Map<String, byte[]> fields, String name) {
        byte[] value = fields.get(name);
        if (value == null) {
            throw new IllegalArgumentException("it lacks its " + name);
        }
        return value;
    }

    private static String text(Map<String, byte[]> fields, String name) {
        return new String(required(fields, name), StandardCharsets.UTF_8);
    }
}
