package dev.shelter.runbooks.backup;

import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An operator's word that a backup stays: retention keeps it whatever its policy says, and a
 * delete is refused until the protection is taken off. {@code reason} is the operator's, shown
 * with the backup; {@code since} is when it was set.
 */
public record BackupProtection(String reason, Instant since) {

    /** One plain line: it is shown in listings and logs. */
    private static final Pattern REASON = Pattern.compile("[\\p{L}\\p{N} ._:;,+@()'/#-]{1,200}");

    public BackupProtection {
        Objects.requireNonNull(since, "since");
        if (!isUsableReason(reason)) {
            throw new IllegalArgumentException("a protection's reason must be 1-200 characters of letters, digits, space and "
                    + "._:;,+@()'/#-");
        }
    }

    public static boolean isUsableReason(String reason) {
        return reason != null && REASON.matcher(reason).matches();
    }
}
