package dev.shelter.runbooks.retention;

import dev.shelter.runbooks.backup.BackupId;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code count} newest backups. */
public record KeepLast(int count) implements RetentionRule {

    public KeepLast {
        if (count < 1) {
            throw new IllegalArgumentException("keep-last must keep at least 1 backup, not " + count);
        }
    }

    @Override
    public Map<BackupId, String> keep(List<RetainedBackup> newestFirst, Instant now) {
        Map<BackupId, String> kept = new LinkedHashMap<>();
        for (int i = 0; i < Math.min(count, newestFirst.size()); i++) {
            kept.put(newestFirst.get(i).id(), "one of the " + count + " newest (number " + (i + 1) + ")");
        }
        return kept;
    }

    @Override
    public String describe() {
        return "keep the " + count + " newest backups";
    }
}
