package dev.shelter.runbooks.retention;

import dev.shelter.runbooks.backup.BackupId;

import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;

/**
 * A completed backup as retention sees it: when it ended (the only order retention knows: an id or
 * a name says nothing once a pg_upgrade or a restore has reset a timeline) and whether an operator
 * protected it.
 */
public record RetainedBackup(BackupId id, Instant endedAt, boolean isProtected) {

    /** Newest first by end time; the id only breaks a tie, so the order is total. */
    public static final Comparator<RetainedBackup> NEWEST_FIRST =
            Comparator.comparing(RetainedBackup::endedAt).thenComparing(RetainedBackup::id).reversed();

    public RetainedBackup {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(endedAt, "endedAt");
    }
}
