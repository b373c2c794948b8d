package dev.shelter.runbooks.backup;

import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/** What was asked for: which cluster, how, under which label, and when. */
public record BackupRequest(BackupId id, ClusterName cluster, BackupMode mode, String label, boolean fastCheckpoint, Instant requestedAt) {

    /** Labels end up in backup_label, which PostgreSQL parses line by line: keep them to one plain line. */
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9 ._:+@-]{1,100}");

    public BackupRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(requestedAt, "requestedAt");
        if (!isUsableLabel(label)) {
            throw new IllegalArgumentException("label must be 1-100 characters of letters, digits, space and ._:+@-");
        }
    }

    public static boolean isUsableLabel(String label) {
        return label != null && LABEL.matcher(label).matches();
    }
}
