package dev.shelter.service.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.runbooks.retention.RetentionDecision;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A retention sweep or its dry run: the policy, each completed backup with whether it stays and
 * why, the running backups (never judged), on a sweep what was deleted and what was refused, the
 * WAL removed (or that would be), and the volumes near their snapshot limit.
 */
public record RetentionSweepView(@JsonProperty("cluster") String cluster, @JsonProperty("policy") String policy,
                                 @JsonProperty("dryRun") boolean dryRun, @JsonProperty("kept") List<Verdict> kept,
                                 @JsonProperty("toDelete") List<Verdict> toDelete, @JsonProperty("running") List<String> running,
                                 @JsonProperty("deleted") List<String> deleted, @JsonProperty("refused") Map<String, String> refused,
                                 @JsonProperty("warnings") List<String> warnings, @JsonProperty("wal") WalView wal) {

    /** WAL of {@code system} before the segment of {@code keptFrom}: how many files, their bytes, the first and last. */
    public record WalView(@JsonProperty("system") String system, @JsonProperty("keptFrom") String keptFrom,
                          @JsonProperty("files") int files, @JsonProperty("bytes") long bytes, @JsonProperty("first") String first,
                          @JsonProperty("last") String last, @JsonProperty("note") String note) {
    }

    /** One backup: its id, when it ended, and every reason that applies. */
    public record Verdict(@JsonProperty("id") String id, @JsonProperty("endedAt") Instant endedAt,
                          @JsonProperty("reasons") List<String> reasons) {

        static Verdict of(RetentionDecision.Verdict verdict) {
            return new Verdict(verdict.backup().id().value(), verdict.backup().endedAt(), verdict.reasons());
        }
    }

    public static RetentionSweepView of(String cluster, String policy, boolean dryRun, RetentionDecision decision, List<String> running,
                                        List<String> deleted, Map<String, String> refused, List<String> warnings, WalView wal) {
        return new RetentionSweepView(cluster, policy, dryRun,
                decision.verdicts().stream().filter(RetentionDecision.Verdict::kept).map(Verdict::of).toList(),
                decision.verdicts().stream().filter(verdict -> !verdict.kept()).map(Verdict::of).toList(), running, deleted, refused,
                warnings, wal);
    }
}
