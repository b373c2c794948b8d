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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A restore as its journal tells it: state, the backup and target, who asked, each step with its
 * times and outcome, the current step and its progress, the RTO once known, and the originals a
 * clone-and-swap restore keeps, or the new cluster a restore made and how to reach it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RestoreView(String id, String cluster, String state, String strategy, String backupId, String target, Long timeline,
                          String requestedBy, Instant createdAt, Instant updatedAt, String currentStep, String failure,
                          Long promotedTimeline, String recoveryStopped, Double rtoSeconds, Rto rto, List<String> keptOriginals,
                          Instant originalsKeptUntil, NewClusterView newCluster, List<StepView> steps) {

    /**
     * The new cluster of a "new-cluster" restore: its name; its state (restoring, running, removing,
     * removed, not-made when the restore removed what it had made, failed when that or a teardown
     * stopped for a human); how to reach it (host, port, jdbcUrl, and where it lives); and its
     * teardown, once asked.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NewClusterView(String name, String state, Map<String, String> reach, String teardownId, String teardownFailure) {
    }

    /**
     * The recovery time as measured: from the request to the restored primary's first answer (it
     * promoted), and to verified; and how long each step that ran took, in plan order.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Rto(Double firstSqlAnswerSeconds, Double verifiedSeconds, Map<String, Double> stepSeconds) {
    }

    /** One step; {@code progress} only while a step reports it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StepView(int index, String name, String target, String status, Instant startedAt, Instant endedAt, String message,
                           Progress progress) {
    }

    public record Progress(long done, long total, String unit) {
    }

    public static RestoreView of(RunJournal journal) {
        return of(journal, Optional.empty());
    }

    /** With the teardown of its new cluster, if one was asked. */
    public static RestoreView of(RunJournal journal, Optional<RunJournal> teardown) {
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
                facts.get(RestoreFacts.RECOVERY_STOPPED), verified(journal, entries), rto(journal, entries), keptOriginals(facts),
                facts.containsKey(RestoreFacts.ORIGINALS_KEPT_UNTIL) ? Instant.parse(facts.get(RestoreFacts.ORIGINALS_KEPT_UNTIL)) : null,
                newCluster(journal, teardown), List.copyOf(steps));
    }

    /** From the request until the restored server was verified: how long the cluster was not in service. */
    private static Double verified(RunJournal journal, List<StepEntry> entries) {
        return entries.stream().filter(e -> e.name().equals("VerifyRestore") && e.status() == StepStatus.DONE && e.endedAt() != null)
                .findFirst().map(e -> seconds(requestedAt(journal), e.endedAt())).orElse(null);
    }

    private static Rto rto(RunJournal journal, List<StepEntry> entries) {
        Map<String, Double> stepSeconds = new LinkedHashMap<>();
        for (StepEntry e : entries) {
            if (e.status() == StepStatus.DONE && e.startedAt() != null && e.endedAt() != null) {
                stepSeconds.put(e.name(), seconds(e.startedAt(), e.endedAt()));
            }
        }
        Double firstAnswer = Optional.ofNullable(journal.facts().get(RestoreFacts.PROMOTED_AT))
                .map(at -> seconds(requestedAt(journal), Instant.parse(at))).orElse(null);
        return new Rto(firstAnswer, verified(journal, entries), stepSeconds);
    }

    /** The request's time as journaled; a journal written before it was (or without it) starts with its run. */
    private static Instant requestedAt(RunJournal journal) {
        return Optional.ofNullable(journal.facts().get(RestoreFacts.REQUESTED_AT)).map(Instant::parse).orElse(journal.createdAt());
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }

    private static NewClusterView newCluster(RunJournal journal, Optional<RunJournal> teardown) {
        String name = journal.facts().get(RestoreFacts.NEW_CLUSTER_NAME);
        if (name == null) {
            return null;
        }
        Map<String, String> reach = new LinkedHashMap<>();
        journal.facts().forEach((key, value) -> {
            if (key.startsWith(RestoreFacts.NEW_CLUSTER_REACH)) {
                reach.put(key.substring(RestoreFacts.NEW_CLUSTER_REACH.length()), value);
            }
        });
        Optional<String> teardownState = teardown.map(t -> switch (t.state()) {
            case RUNNING, ROLLING_BACK -> "removing";
            case SUCCEEDED -> "removed";
            case CANCELLED, ROLLED_BACK, STOPPED -> "failed";
        });
        String state = switch (journal.state()) {
            case RUNNING, ROLLING_BACK -> "restoring";
            case CANCELLED, ROLLED_BACK -> "not-made";
            case STOPPED -> teardownState.orElse("failed");
            case SUCCEEDED -> teardownState.orElse("running");
        };
        return new NewClusterView(name, state, Map.copyOf(reach), teardown.map(t -> t.id().value()).orElse(null),
                teardown.map(RunJournal::failure).orElse(null));
    }

    /** In volume order, as the commit journaled them. */
    private static List<String> keptOriginals(Map<String, String> facts) {
        List<String> kept = new ArrayList<>();
        for (int i = 0; facts.containsKey(RestoreFacts.KEPT_ORIGINAL + i); i++) {
            kept.add(facts.get(RestoreFacts.KEPT_ORIGINAL + i));
        }
        return kept.isEmpty() ? null : List.copyOf(kept);
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
