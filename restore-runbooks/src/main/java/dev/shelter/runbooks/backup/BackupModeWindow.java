package dev.shelter.runbooks.backup;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What PostgreSQL said when the backup started and stopped. {@code labelFile} and
 * {@code tablespaceMap} are kept byte for byte: a restore writes them as backup_label and
 * tablespace_map, and without them a restore can come up "fine" and be silently corrupt.
 * An offline backup has no label file; its start and stop are the shutdown checkpoint.
 */
public record BackupModeWindow(Lsn startLsn, Lsn stopLsn, Timeline timeline, String labelFile, String tablespaceMap,
                               Instant startedAt, Instant endedAt) {

    public BackupModeWindow {
        Objects.requireNonNull(startLsn, "startLsn");
        Objects.requireNonNull(stopLsn, "stopLsn");
        Objects.requireNonNull(timeline, "timeline");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        tablespaceMap = tablespaceMap == null ? "" : tablespaceMap;
        if (stopLsn.compareTo(startLsn) < 0) {
            throw new IllegalArgumentException("stop LSN " + stopLsn + " is before start LSN " + startLsn);
        }
    }

    public boolean hasLabelFile() {
        return labelFile != null && !labelFile.isEmpty();
    }

    /** How long PostgreSQL was in backup mode (offline: how long it was down). */
    public Duration duration() {
        return Duration.between(startedAt, endedAt);
    }
}
