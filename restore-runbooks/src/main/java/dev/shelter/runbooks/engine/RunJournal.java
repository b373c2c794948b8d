package dev.shelter.runbooks.engine;

import dev.shelter.runbooks.backup.ClusterName;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One run of a plan as written to the journal store: the audit trail, the lock on its cluster while
 * unfinished, and all that a new engine needs to resume or roll back the run after a crash.
 * {@code failure} is null unless the run failed, was cancelled or stopped. {@code cancelRequested}
 * is persisted as soon as someone cancels, so that a crash cannot turn a cancel into a resume.
 */
public record RunJournal(RunId id, String plan, ClusterName cluster, String subject, RunState state, String lockHolder,
                         Instant createdAt, Instant updatedAt, List<StepEntry> steps, Map<String, String> facts,
                         String failure, boolean cancelRequested) {

    public RunJournal {
        Objects.requireNonNull(id, "run id");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(lockHolder, "lock holder");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        steps = List.copyOf(steps);
        facts = Facts.of(facts).asMap();
    }

    /** A run just begun: RUNNING, every step PENDING. */
    public static RunJournal begun(RunId id, String plan, ClusterName cluster, String subject, String holder, Instant at,
                                   List<StepEntry> steps, Map<String, String> facts) {
        return new RunJournal(id, plan, cluster, subject, RunState.RUNNING, holder, at, at, steps, facts, null, false);
    }

    public Facts factsView() {
        return Facts.of(facts);
    }

    public StepEntry step(int index) {
        return steps.get(index);
    }

    /** "step n of m: Name": the step being done or undone, else the last one touched, else the first. */
    public String currentStep() {
        if (steps.isEmpty()) {
            return "no steps";
        }
        int current = -1;
        for (int index = 0; index < steps.size(); index++) {
            StepStatus status = steps.get(index).status();
            if (status == StepStatus.STARTED || status == StepStatus.UNDOING) {
                current = index;
                break;
            }
            if (status != StepStatus.PENDING) {
                current = index;
            }
        }
        if (current < 0 && state == RunState.ROLLING_BACK) {
            current = steps.size() - 1;
        }
        current = Math.max(current, 0);
        return "step " + (current + 1) + " of " + steps.size() + ": " + steps.get(current).name();
    }

    public RunJournal withState(RunState next) {
        return new RunJournal(id, plan, cluster, subject, next, lockHolder, createdAt, updatedAt, steps, facts, failure,
                cancelRequested);
    }

    public RunJournal withStep(int index, StepEntry entry) {
        if (!entry.name().equals(steps.get(index).name())) {
            throw new IllegalArgumentException("step " + (index + 1) + " is " + steps.get(index).name() + ", not " + entry.name());
        }
        List<StepEntry> next = new ArrayList<>(steps);
        next.set(index, entry);
        return new RunJournal(id, plan, cluster, subject, state, lockHolder, createdAt, updatedAt, next, facts, failure,
                cancelRequested);
    }

    public RunJournal withFact(String key, String value) {
        Map<String, String> next = new TreeMap<>(facts);
        next.put(Facts.requireKey(key), Objects.requireNonNull(value, () -> "fact " + key));
        return new RunJournal(id, plan, cluster, subject, state, lockHolder, createdAt, updatedAt, steps, next, failure,
                cancelRequested);
    }

    public RunJournal withFailure(String why) {
        return new RunJournal(id, plan, cluster, subject, state, lockHolder, createdAt, updatedAt, steps, facts, why,
                cancelRequested);
    }

    public RunJournal withLockHolder(String holder) {
        return new RunJournal(id, plan, cluster, subject, state, holder, createdAt, updatedAt, steps, facts, failure,
                cancelRequested);
    }

    public RunJournal withUpdatedAt(Instant at) {
        return new RunJournal(id, plan, cluster, subject, state, lockHolder, createdAt, at, steps, facts, failure,
                cancelRequested);
    }

    public RunJournal withCancelRequested() {
        return new RunJournal(id, plan, cluster, subject, state, lockHolder, createdAt, updatedAt, steps, facts, failure, true);
    }
}
