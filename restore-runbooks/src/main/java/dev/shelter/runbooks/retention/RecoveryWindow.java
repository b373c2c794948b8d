package dev.shelter.runbooks.retention;

import dev.shelter.runbooks.backup.BackupId;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every moment of the last {@code window} stays recoverable: the newest backup that ended at or
 * before now − window is kept (a point just inside the window restores from it), and every backup
 * after it. Barman's and CloudNativePG's semantics.
 */
public record RecoveryWindow(Duration window) implements RetentionRule {

    public RecoveryWindow {
        Objects.requireNonNull(window, "window");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("a recovery window must be longer than zero, not " + window);
        }
    }

    @Override
    public Map<BackupId, String> keep(List<RetainedBackup> newestFirst, Instant now) {
        Instant windowStart = now.minus(window);
        Map<BackupId, String> kept = new LinkedHashMap<>();
        for (RetainedBackup backup : newestFirst) {
            if (backup.endedAt().isAfter(windowStart)) {
                kept.put(backup.id(), "ended inside the " + window + " recovery window");
            } else {
                kept.put(backup.id(), "the newest backup that ended before the window's start " + windowStart
                        + ": restores to the window's first moments start from it");
                break;
            }
        }
        return kept;
    }

    @Override
    public String describe() {
        return "keep every backup a restore to a moment of the last " + window + " may need";
    }
}
