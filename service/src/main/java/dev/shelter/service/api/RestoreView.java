package dev.shelter.service.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.shelter.runbooks.engine.RunJournal;
import dev.shelter.runbooks.engine.RunState;
import dev.shelter.runbooks.engine.StepEntry;
import dev.shelter.runbooks.engine.StepStatus;
import dev.shelter.runbooks.restore.RestoreFacts;
import dev.shelter.runbooks.restore.RestoreTarget;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A restore as its journal tells it: state, the backup and target, who asked, each step with its
 * times and outcome, the current step and its progress, and the RTO (from the request until the
 * restored server was verified) once known.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RestoreView(String id, String cluster, String state, String strategy, String backupId, String target, Long timeline,
                          String requestedBy, Instant createdAt, Instant updatedAt, String currentStep, String failure,
                          Long promotedTimeline, String recoveryStopped, Double rtoSeconds, List<StepView> steps) {

    /** One step; {@code progress} only while a step reports it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StepView(int index, String name, String target, String status, Instant startedAt, Instant endedAt, String message,
                           Progress progress) {
    }

    public record Progress(long done, long total, String unit) {
    }

    public static RestoreView of(RunJournal journal) {
        Map<String, String> facts = journal.facts();
        List<StepEntry> entries = journal.steps();
        List<StepView> steps = new java.util.ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            StepEntry e = entries.get(i);
            steps.add(new StepView(i + 1, e.name(), e.target(), e.status().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                    e.startedAt(), e.endedAt(), e.message(),
                    e.progress() == null ? null : new Progress(e.progress().done(), e.progress().total(), e.progress().unit())));
        }
        String target = facts.containsKey(RestoreFacts.TARGET) ? RestoreTarget.decode(facts.get(RestoreFacts.TARGET)).describe() : null;
        return new RestoreView(journal.id().value(), journal.cluster().value(), stateOf(journal.state()), facts.get(RestoreFacts.STRATEGY),
                facts.get(RestoreFacts.BACKUP), target, facts.containsKey(RestoreFacts.TIMELINE) ? Long.parseLong(facts.get(RestoreFacts.TIMELINE)) : null,
                facts.get(RestoreFacts.REQUESTED_BY), journal.createdAt(), journal.updatedAt(), journal.currentStep(), journal.failure(),
                facts.containsKey(RestoreFacts.PROMOTED_TIMELINE) ? Long.parseLong(facts.get(RestoreFacts.PROMOTED_TIMELINE)) : null,
                facts.get(RestoreFacts.RECOVERY_STOPPED), rto(journal, entries), List.copyOf(steps));
    }

    /** From the request until the restored server was verified: how long the cluster was not in service. */
    private static Double rto(RunJournal journal, List<StepEntry> entries) {
        return entries.stream().filter(e -> e.name().equals("VerifyRestore") && e.status() == StepStatus.DONE && e.endedAt() != null)
                .findFirst().map(e -> Duration.between(journal.createdAt(), e.endedAt()).toMillis() / 1000.0).orElse(null);
    }

    /** The API's states: running, completed, failed, cancelled, rolled-back. */
    static String stateOf(RunState state) {
        return switch (state) {
            case RUNNING, ROLLING_BACK -> "running";
            case SUCCEEDED -> "completed";
            case CANCELLED -> "cancelled";
            case ROLLED_BACK -> "rolled-back";
            case STOPPED -> "failed";
        };
    }
}
