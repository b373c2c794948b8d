package dev.shelter.runbooks.retention;

import java.util.List;
import java.util.Objects;

/** What a policy decided for each backup, newest first; a dry run shows it as it is. */
public record RetentionDecision(List<Verdict> verdicts) {

    public RetentionDecision {
        verdicts = List.copyOf(verdicts);
    }

    /** One backup, whether it stays, and every reason that applies. */
    public record Verdict(RetainedBackup backup, boolean kept, List<String> reasons) {

        public Verdict {
            Objects.requireNonNull(backup, "backup");
            reasons = List.copyOf(reasons);
        }
    }

    public List<RetainedBackup> kept() {
        return verdicts.stream().filter(Verdict::kept).map(Verdict::backup).toList();
    }

    public List<RetainedBackup> deleted() {
        return verdicts.stream().filter(verdict -> !verdict.kept()).map(Verdict::backup).toList();
    }
}
