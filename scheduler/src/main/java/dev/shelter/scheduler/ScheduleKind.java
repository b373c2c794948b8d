package dev.shelter.scheduler;

import java.util.Arrays;
import java.util.Locale;

/** What a schedule does when it fires; the service maps each kind to its use case. */
public enum ScheduleKind {
    BACKUP,
    RETENTION_SWEEP,
    /** The scrub of one slice of each exported backup's off-site copy. */
    OFFSITE_SCRUB,
    /** Filled by the DR drill issue. */
    DRILL;

    /** As in the API: {@code backup}, {@code retention-sweep}, {@code offsite-scrub}, {@code drill}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static ScheduleKind fromWireName(String name) {
        return Arrays.stream(values()).filter(kind -> kind.wireName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown schedule kind '" + name + "'; the kinds are "
                        + Arrays.stream(values()).map(ScheduleKind::wireName).toList()));
    }
}
