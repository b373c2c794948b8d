package dev.shelter.runbooks.retention;

import dev.shelter.runbooks.backup.BackupId;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A cluster's retention: a rule, and the {@code minimumKept} newest backups kept whatever the rule
 * says. Protected backups are never deleted. Only completed backups are judged: a running one is
 * not retention's to touch.
 */
public record RetentionPolicy(RetentionRule rule, int minimumKept) {

    public RetentionPolicy {
        Objects.requireNonNull(rule, "rule");
        if (minimumKept < 0) {
            throw new IllegalArgumentException("minimumKept cannot be negative, not " + minimumKept);
        }
    }

    /** Every backup with its verdict and why, newest first. Deterministic: the same input gives the same answer. */
    public RetentionDecision decide(Collection<RetainedBackup> completed, Instant now) {
        Objects.requireNonNull(now, "now");
        List<RetainedBackup> newestFirst = completed.stream().sorted(RetainedBackup.NEWEST_FIRST).toList();
        Set<BackupId> seen = new HashSet<>();
        for (RetainedBackup backup : newestFirst) {
            if (!seen.add(backup.id())) {
                throw new IllegalArgumentException("backup " + backup.id().value() + " is listed twice");
            }
        }
        Map<BackupId, String> byRule = rule.keep(newestFirst, now);
        List<RetentionDecision.Verdict> verdicts = new ArrayList<>();
        for (int i = 0; i < newestFirst.size(); i++) {
            RetainedBackup backup = newestFirst.get(i);
            List<String> reasons = new ArrayList<>();
            if (backup.isProtected()) {
                reasons.add("protected");
            }
            if (i < minimumKept) {
                reasons.add("one of the " + minimumKept + " kept whatever the policy says");
            }
            if (byRule.containsKey(backup.id())) {
                reasons.add(byRule.get(backup.id()));
            }
            verdicts.add(reasons.isEmpty()
                    ? new RetentionDecision.Verdict(backup, false, List.of("not kept by the policy (" + rule.describe() + ")"))
                    : new RetentionDecision.Verdict(backup, true, reasons));
        }
        return new RetentionDecision(verdicts);
    }
}
