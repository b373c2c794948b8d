package dev.shelter.runbooks.restore;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Where a recovery stopped, as PostgreSQL wrote it into the new timeline's history file (the
 * reason on its last line): "before transaction 741", "after 2026-11-29 10:15:00.25+00",
 * "at restore point \"x\"", "reached consistency", "no recovery target specified"… A restore is
 * verified against it: a recovery that ran to the end of WAL instead of stopping at its target says
 * so here, and nowhere else as plainly.
 */
public record RecoveryStop(String reason) {

    /** The reason of the history file's last line; empty when the file has none. */
    public static Optional<RecoveryStop> ofHistory(byte[] historyFile) {
        String[] lines = new String(historyFile, StandardCharsets.US_ASCII).split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String[] fields = lines[i].strip().split("\\s+", 3);
            if (fields.length == 3 && !lines[i].strip().startsWith("#")) {
                return Optional.of(new RecoveryStop(fields[2]));
            }
        }
        return Optional.empty();
    }

    /** Whether this is where {@code target} says recovery should stop; empty when it is, else why not. */
    public Optional<String> mismatch(RestoreTarget target) {
        boolean matches = target.isStop(reason);
        return matches ? Optional.empty() : Optional.of("recovery stopped with \"" + reason + "\", not at " + target.describe());
    }
}
