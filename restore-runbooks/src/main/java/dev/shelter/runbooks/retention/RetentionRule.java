package dev.shelter.runbooks.retention;

import dev.shelter.runbooks.backup.BackupId;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One way of choosing the backups to keep: keep-last, a recovery window, or calendar buckets. */
public interface RetentionRule {

    /**
     * The backups this rule keeps, each with why.
     *
     * @param newestFirst every completed backup of one cluster, ordered by {@link RetainedBackup#NEWEST_FIRST}
     * @param now         the sweep's time; nothing is decided by the wall clock
     */
    Map<BackupId, String> keep(List<RetainedBackup> newestFirst, Instant now);

    /** The rule in words, for a dry run and the schedule's view. */
    String describe();
}
