package dev.shelter.runbooks.engine;

import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.InMemoryLeases;
import dev.shelter.runbooks.catalog.Lease;
import dev.shelter.runbooks.catalog.Leases;
import dev.shelter.runbooks.failure.ConflictException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs plans step by step and journals each step before and after it, so that after a crash
 * (kill -9 included) a new engine over the same {@link JournalStore} can resume or roll back every
 * unfinished run. The journal is also the cluster's lock: while a run of a cluster is unfinished,
 * no other run of that cluster may begin. Across replicas sharing the store, the cluster's run lease
 * ({@link ClusterClaims}) decides which replica may begin or take over a run of it.
 *
 * <p>Every change to a run is persisted before the engine acts on it. An {@link Error} thrown by a
 * step (the tests' stand-in for kill -9) propagates with nothing more written.
 */
public final class RunbookEngine {

    private static final Logger LOG = LoggerFactory.getLogger(RunbookEngine.class);
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(1);
    /** How long a timed-out step gets to stop once interrupted before the engine stops trusting it. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    /** The run leases of an engine that is the only one on its store (local mode, tests). */
    private static final Duration SOLE_ENGINE_TERM = Duration.ofMinutes(10);

    private final JournalStore journals;
    private final Clock clock;
    private final String holder;
    private final Duration stopGrace;
    private final ClusterClaims claims;
    private final Map<RunId, Run<?>> active = new ConcurrentHashMap<>();
    /** Guards the check-then-write of a cluster's lock against concurrent callers in this JVM. */
    private final Object clusterLocks = new Object();
    private volatile StepObserver observer = StepObserver.NONE;

    /**
     * The only engine on its journal store. {@code holder} names this engine in journals, leases and
     * messages (e.g. the service process on its host).
     */
    public RunbookEngine(JournalStore journals, Clock clock, String holder) {
        this(journals, clock, holder, new InMemoryLeases(clock), SOLE_ENGINE_TERM, STOP_GRACE);
    }

    /**
     * One of several engines (replicas) on one journal store: a run of a cluster needs the cluster's
     * run lease in {@code leases}, renewed through {@link #renewClaims()} more often than {@code leaseTerm}.
     */
    public RunbookEngine(JournalStore journals, Clock clock, String holder, Leases leases, Duration leaseTerm) {
        this(journals, clock, holder, leases, leaseTerm, STOP_GRACE);
    }

    RunbookEngine(JournalStore journals, Clock clock, String holder, Duration stopGrace) {
        this(journals, clock, holder, new InMemoryLeases(clock), SOLE_ENGINE_TERM, stopGrace);
    }

    private RunbookEngine(JournalStore journals, Clock clock, String holder, Leases leases, Duration leaseTerm, Duration stopGrace) {
        this.journals = Objects.requireNonNull(journals, "journals");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.holder = Objects.requireNonNull(holder, "holder");
        this.stopGrace = Objects.requireNonNull(stopGrace, "stopGrace");
        if (holder.isBlank()) {
            throw new IllegalArgumentException("an engine needs a holder name for the locks it takes");
        }
        this.claims = new ClusterClaims(Objects.requireNonNull(leases, "leases"), holder, leaseTerm, System::nanoTime);
    }

    /** Tells {@code stepObserver} of each step's moments (crash tests' failpoints). */
    public void observeSteps(StepObserver stepObserver) {
        this.observer = Objects.requireNonNull(stepObserver, "stepObserver");
    }

    /** The dry run: each step, its target and whether it is already done. Calls only target and isDone; writes nothing. */
    public <C> PlanPreview preview(Plan<C> plan, C context, Facts facts) {
        List<PlannedStep> planned = new ArrayList<>();
        for (int index = 0; index < plan.steps().size(); index++) {
            Step<C> step = plan.steps().get(index);
            planned.add(new PlannedStep(index + 1, step.name(), step.target(context, facts), step.isDone(context, facts)));
        }
        return new PlanPreview(plan.name(), planned);
    }

    /**
     * Takes the cluster's lock and journals the run (RUNNING, every step PENDING with its target),
     * synchronously, so that a caller can answer "busy" before doing the work in the background.
     *
     * @throws ConflictException naming the other run, if the cluster has an unfinished run
     */
    public <C> Run<C> begin(Plan<C> plan, C context, ClusterName cluster, String subject, Map<String, String> initialFacts) {
        Facts facts = Facts.of(initialFacts);
        List<StepEntry> entries = new ArrayList<>();
        for (Step<C> step : plan.steps()) {
            entries.add(StepEntry.pending(step.name(), step.target(context, facts)));
        }
        Run<C> run;
        synchronized (clusterLocks) {
            requireNoActiveRun(cluster);
            boolean claimedBefore = claims.holds(cluster); // for a resume to come: that one keeps it
            requireClaim(cluster);
            try {
                requireNoUnfinishedJournal(cluster);
            } catch (RuntimeException e) {
                if (!claimedBefore) {
                    claims.release(cluster);
                }
                throw e;
            }
            Instant now = clock.instant();
            RunJournal journal = RunJournal.begun(RunId.startingAt(now), plan.name(), cluster, subject, holder, now, entries,
                    facts.asMap());
            journals.put(journal);
            run = new Run<>(journal, plan, context, journals, clock);
            active.put(run.id(), run);
        }
        LOG.info("run {} begun: plan {} on cluster {} for {} ({} steps)", run.id(), plan.name(), cluster, subject,
                entries.size());
        return run;
    }

    /** Runs a begun run to its end in this thread (each step's execute in a worker, for its timeout). */
    public <C> RunJournal execute(Run<C> run) {
        if (active.get(run.id()) != run) {
            throw new IllegalStateException("run " + run.id() + " is not an active run of this engine (finished, or begun by another)");
        }
        if (!run.claim()) {
            throw new IllegalStateException("run " + run.id() + " is already being executed");
        }
        try {
            return logEnd(runSteps(run));
        } finally {
            release(run);
        }
    }

    /**
     * Takes over a run a crash left unfinished: rolls it back if it was rolling back or cancelled,
     * otherwise does what {@link Plan#onInterrupt()} says. A run found finished in the store is
     * returned as it is.
     */
    public <C> RunJournal resume(RunJournal journal, Plan<C> plan, C context) {
        RunJournal latest = journals.get(journal.cluster(), journal.id()).orElse(journal);
        if (latest.state().isFinished()) {
            LOG.info("run {} has already ended {}; nothing to resume", latest.id(), latest.state());
            return latest;
        }
        requireSamePlan(latest, plan);
        Run<C> run = new Run<>(latest, plan, context, journals, clock);
        synchronized (clusterLocks) {
            for (Run<?> other : active.values()) {
                if (other.id().equals(latest.id())) {
                    throw new IllegalStateException("run " + latest.id() + " is being executed by this engine; it is not interrupted");
                }
                if (other.cluster().equals(latest.cluster())) {
                    throw busy(other.journal());
                }
            }
            requireClaim(latest.cluster());
            active.put(run.id(), run);
        }
        run.claim();
        try {
            String previousHolder = latest.lockHolder();
            run.update(current -> current.withLockHolder(holder));
            LOG.warn("run {} ({} on {}) was left unfinished by {} at {} ({}); {} takes it over", latest.id(), latest.plan(),
                    latest.cluster(), previousHolder, latest.currentStep(), latest.state(), holder);
            RunJournal ended;
            if (run.cancelRequested()) {
                ended = rollBack(run, Objects.requireNonNullElse(latest.failure(), "cancelled"), RunState.CANCELLED);
            } else if (latest.state() == RunState.ROLLING_BACK) {
                // A rollback, once decided, is finished; running forward again would undo the decision.
                ended = rollBack(run, Objects.requireNonNullElse(latest.failure(), "interrupted while rolling back"),
                        RunState.ROLLED_BACK);
            } else if (plan.onInterrupt() == OnInterrupt.ROLL_BACK) {
                ended = rollBack(run, "Shelter stopped (" + previousHolder + ") during " + latest.currentStep()
                        + "; plan " + plan.name() + " rolls back after an interruption", RunState.ROLLED_BACK);
            } else {
                ended = runSteps(run);
            }
            return logEnd(ended);
        } finally {
            release(run);
        }
    }

    /** Every journal of {@code cluster}: live for the runs this engine executes, else as stored. */
    public List<RunJournal> journals(ClusterName cluster) {
        java.util.Map<RunId, RunJournal> all = new java.util.LinkedHashMap<>();
        journals.list(cluster).forEach(journal -> all.put(journal.id(), journal));
        active.values().stream().filter(run -> run.cluster().equals(cluster)).forEach(run -> all.put(run.id(), run.journal()));
        return List.copyOf(all.values());
    }

    /** The runs a crash left behind (in the store, whoever held them). */
    public List<RunJournal> unfinished() {
        return journals.unfinished();
    }

    /**
     * Asks a running run of this engine to stop: it stops between steps or at the step's next
     * {@link StepRun#checkCancelled}, then rolls back and ends CANCELLED. False if the run is not
     * running here.
     */
    public boolean cancel(RunId id) {
        Run<?> run = active.get(id);
        if (run == null) {
            return false;
        }
        try {
            if (!run.requestCancel()) {
                return false;
            }
        } catch (RuntimeException e) {
            // The cancellation is in effect in this process; only its journal entry is missing.
            LOG.warn("run {}: cancelled, but the journal could not record it: {}", id, e.toString());
        }
        LOG.info("run {}: cancellation requested", id);
        return true;
    }

    /** The live journal of the run this engine is executing for {@code subject} (a backup's id, say), if any. */
    public Optional<RunJournal> running(String subject) {
        return active.values().stream().filter(run -> run.subject().equals(subject)).map(Run::journal).findFirst();
    }

    /** The live journal of run {@code id}, if this engine is executing it (readable while the store is not). */
    public Optional<RunJournal> active(RunId id) {
        return Optional.ofNullable(active.get(id)).map(Run::journal);
    }

    /** The live journal of the run this engine is executing on {@code cluster}, if any. */
    public Optional<RunJournal> runningOn(ClusterName cluster) {
        return active.values().stream().filter(run -> run.cluster().equals(cluster)).map(Run::journal).findFirst();
    }

    /**
     * Waits, at most {@code timeout}, until no run of this engine holds {@code cluster}; true if
     * none does. For a caller that knows the run in the way is only finishing (its subject has
     * ended), so that it waits a moment instead of answering "busy".
     */
    public boolean awaitIdle(ClusterName cluster, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (clusterLocks) {
            while (active.values().stream().anyMatch(run -> run.cluster().equals(cluster))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(clusterLocks, left);
            }
            return true;
        }
    }

    private void release(Run<?> run) {
        synchronized (clusterLocks) {
            active.remove(run.id(), run);
            if (active.values().stream().noneMatch(other -> other.cluster().equals(run.cluster()))) {
                claims.release(run.cluster());
            }
            clusterLocks.notifyAll();
        }
    }

    /**
     * Claims {@code cluster}'s run lease for a resume to come; false if a live replica holds it.
     * Give it up with {@link #unclaim} if no run follows.
     */
    public boolean claim(ClusterName cluster) {
        synchronized (clusterLocks) {
            return claims.claim(cluster).isEmpty();
        }
    }

    /** Gives up {@code cluster}'s run lease, unless a run of this engine holds it. */
    public void unclaim(ClusterName cluster) {
        synchronized (clusterLocks) {
            if (active.values().stream().noneMatch(run -> run.cluster().equals(cluster))) {
                claims.release(cluster);
            }
        }
    }

    /** Whether {@code cluster}'s run lease is held by another replica, live or dead (expired, not yet taken over). */
    public Optional<String> claimedElsewhere(ClusterName cluster) {
        return claims.read(cluster).filter(lease -> !lease.heldBy(holder)).map(Lease::holder);
    }

    /**
     * Renews this engine's run leases; called more often than their term. A cluster whose lease
     * went to another replica, or could not be renewed for most of its term, has its runs here
     * fenced: they stop at their next check and write their journal no more, because the other
     * replica may take them over, and two must never drive one run.
     */
    public void renewClaims() {
        List<ClusterName> lost;
        synchronized (clusterLocks) {
            lost = claims.renew();
        }
        for (ClusterName cluster : lost) {
            for (Run<?> run : active.values()) {
                if (run.cluster().equals(cluster)) {
                    LOG.error("run {} on {}: this replica ({}) lost the cluster's run lease; it stops, and leaves the run to the "
                            + "replica that takes it over", run.id(), cluster, holder);
                    run.fence("replica " + holder + " lost the run lease of " + cluster);
                }
            }
        }
    }

    /** The unfinished runs of one cluster in the store, whoever held them. */
    public List<RunJournal> unfinished(ClusterName cluster) {
        return journals.unfinished(cluster);
    }

    public String holder() {
        return holder;
    }

    /** The clusters whose run lease this engine holds now (a run of it, or a resume to come). */
    public java.util.Set<ClusterName> claimedClusters() {
        synchronized (clusterLocks) {
            return claims.held();
        }
    }

    /** The run's journal: live if this engine is running it, else as stored. */
    public Optional<RunJournal> find(ClusterName cluster, RunId id) {
        Run<?> run = active.get(id);
        if (run != null && run.cluster().equals(cluster)) {
            return Optional.of(run.journal());
        }
        return journals.get(cluster, id);
    }

    private void requireNoActiveRun(ClusterName cluster) {
        for (Run<?> run : active.values()) {
            if (run.cluster().equals(cluster)) {
                throw busy(run.journal());
            }
        }
    }

    private void requireNoUnfinishedJournal(ClusterName cluster) {
        for (RunJournal journal : journals.unfinished(cluster)) {
            throw busy(journal);
        }
    }

    private void requireClaim(ClusterName cluster) {
        Optional<Lease> other = claims.claim(cluster);
        if (other.isPresent()) {
            throw new ConflictException("cluster " + cluster + " is busy: replica " + other.get().holder() + " holds its run lease "
                    + "(renewed until " + other.get().expiresAt() + "); one replica at a time runs plans on a cluster");
        }
    }

    private static ConflictException busy(RunJournal other) {
        return new ConflictException("cluster " + other.cluster() + " is busy: run " + other.id() + " (plan " + other.plan()
                + ", " + other.currentStep() + ", " + other.state() + ", held by " + other.lockHolder() + ") has not finished");
    }

    private static void requireSamePlan(RunJournal journal, Plan<?> plan) {
        List<String> journaled = journal.steps().stream().map(StepEntry::name).toList();
        if (!journal.plan().equals(plan.name()) || !journaled.equals(plan.stepNames())) {
            throw new IllegalArgumentException("run " + journal.id() + " ran plan " + journal.plan() + " " + journaled
                    + ", not plan " + plan.name() + " " + plan.stepNames() + "; it can only be resumed with its own plan");
        }
    }

    private <C> RunJournal runSteps(Run<C> run) {
        for (int index = 0; index < run.plan().steps().size(); index++) {
            if (run.cancelRequested()) {
                return rollBack(run, "cancelled before " + label(run, index), RunState.CANCELLED);
            }
            Optional<RunJournal> ended = runStep(run, index);
            if (ended.isPresent()) {
                return ended.get();
            }
        }
        return run.update(journal -> journal.withState(RunState.SUCCEEDED));
    }

    /** Attempts one step as its failure policy allows; the run's final journal if the step ended the run. */
    private <C> Optional<RunJournal> runStep(Run<C> run, int index) {
        Step<C> step = run.plan().steps().get(index);
        FailurePolicy policy = step.onFailure();
        int retriesUsed = 0;
        while (true) {
            Exception failure = attempt(run, index);
            if (failure == null) {
                return Optional.empty();
            }
            if (failure instanceof RunCancelledException || run.cancelRequested()) {
                return Optional.of(rollBack(run, "cancelled during " + label(run, index) + ": " + describe(failure),
                        RunState.CANCELLED));
            }
            int attempts = run.journal().step(index).attempts();
            String why = step.name() + " failed" + (attempts > 1 ? " after " + attempts + " attempts" : "") + ": " + describe(failure);
            if (failure instanceof StepTimeoutException timeout && timeout.stillRunning()) {
                policy = FailurePolicy.stopAndAlert(); // an undo would race a step that is still acting
            }
            while (policy instanceof FailurePolicy.Retry retry && retriesUsed >= retry.attempts()) {
                policy = retry.then();
                retriesUsed = 0;
            }
            if (policy instanceof FailurePolicy.Retry retry) {
                retriesUsed++;
                LOG.warn("run {}: {}; retry {} of {} in {}", run.id(), why, retriesUsed, retry.attempts(), retry.backoff());
                if (waitOrCancel(run, retry.backoff())) {
                    return Optional.of(rollBack(run, "cancelled while waiting to retry " + label(run, index), RunState.CANCELLED));
                }
            } else if (policy instanceof FailurePolicy.StopAndAlert) {
                return Optional.of(stop(run, why));
            } else {
                return Optional.of(rollBack(run, why, RunState.ROLLED_BACK));
            }
        }
    }

    /** One attempt: skip if done, else journal STARTED, execute, journal DONE or FAILED. Null on success. */
    private <C> Exception attempt(Run<C> run, int index) {
        Step<C> step = run.plan().steps().get(index);
        StepEntry before = run.journal().step(index);
        String target;
        observer.reached(run.journal(), step.name(), StepObserver.Moment.BEFORE);
        try {
            if (step.isDone(run.context(), run.facts())) {
                markDone(run, index, before);
                return null;
            }
            target = step.target(run.context(), run.facts());
        } catch (Exception e) {
            run.update(journal -> journal.withStep(index, before.failed(clock.instant(), "cannot observe: " + describe(e))));
            LOG.warn("run {}: {} cannot observe its state: {}", run.id(), label(run, index), describe(e));
            return e;
        }
        int attempt = before.attempts() + 1;
        run.update(journal -> journal.withStep(index, before.started(target, clock.instant(), attempt)));
        LOG.info("run {}: {} started (attempt {}) on {}", run.id(), label(run, index), attempt, target);
        observer.reached(run.journal(), step.name(), StepObserver.Moment.STARTED);
        Exception failure = executeWithTimeout(run, index, step);
        if (failure == null) {
            observer.reached(run.journal(), step.name(), StepObserver.Moment.EXECUTED);
            run.update(journal -> journal.withStep(index, journal.step(index).done(clock.instant())));
            LOG.info("run {}: {} done", run.id(), label(run, index));
        } else {
            run.update(journal -> journal.withStep(index, journal.step(index).failed(clock.instant(), describe(failure))));
            LOG.warn("run {}: {} failed: {}", run.id(), label(run, index), describe(failure), failure);
        }
        return failure;
    }

    /**
     * A step found done is SKIPPED_DONE if this run never touched it, and DONE if this run started it
     * (in an earlier attempt, or before a crash): a rollback then undoes it, because this run made it.
     */
    private void markDone(Run<?> run, int index, StepEntry before) {
        switch (before.status()) {
            case DONE, SKIPPED_DONE -> LOG.info("run {}: {} is still done ({})", run.id(), label(run, index), before.status());
            case PENDING -> {
                run.update(journal -> journal.withStep(index, before.skippedDone(clock.instant())));
                LOG.info("run {}: {} is already done; skipped", run.id(), label(run, index));
            }
            default -> {
                run.update(journal -> journal.withStep(index, before.done(clock.instant())));
                LOG.info("run {}: {} was started earlier and is done", run.id(), label(run, index));
            }
        }
    }

    /** Null when execute returned; the failure otherwise. An {@link Error} is rethrown: the engine writes nothing more. */
    private <C> Exception executeWithTimeout(Run<C> run, int index, Step<C> step) {
        StepAttempt attempt = new StepAttempt(run, index);
        FutureTask<Void> task = new FutureTask<>(() -> {
            step.execute(run.context(), attempt);
            return null;
        });
        Thread worker = new Thread(task, "runbook-" + run.id() + "-" + step.name());
        worker.setDaemon(true); // a step that ignores its interruption must not keep the JVM alive
        worker.start();
        try {
            task.get(step.timeout().toNanos(), TimeUnit.NANOSECONDS);
            return null;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Error error) {
                throw error;
            }
            return cause instanceof Exception exception ? exception : new IllegalStateException(cause);
        } catch (TimeoutException e) {
            attempt.close(); // before the interrupt: whatever the step does next, it is no longer journaled
            task.cancel(true);
            return new StepTimeoutException(step.name(), step.timeout(), !stopped(worker));
        } catch (InterruptedException e) {
            attempt.close();
            task.cancel(true);
            throw interrupted(run, e);
        } finally {
            attempt.close();
        }
    }

    private boolean stopped(Thread worker) {
        try {
            worker.join(stopGrace.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !worker.isAlive();
    }

    private boolean waitOrCancel(Run<?> run, Duration backoff) {
        try {
            return run.awaitCancel(backoff);
        } catch (InterruptedException e) {
            throw interrupted(run, e);
        }
    }

    /**
     * The engine's own thread was interrupted (the service is shutting down): like a crash, the run
     * stays unfinished in the store, for a resume.
     */
    private static IllegalStateException interrupted(Run<?> run, InterruptedException e) {
        Thread.currentThread().interrupt();
        return new IllegalStateException("run " + run.id() + " was interrupted at " + run.journal().currentStep()
                + "; its journal stays unfinished for a resume", e);
    }

    /** Undoes, last first, every step this run started or did; the first undo that fails stops the run. */
    private <C> RunJournal rollBack(Run<C> run, String reason, RunState endState) {
        run.update(journal -> journal.withState(RunState.ROLLING_BACK).withFailure(reason));
        LOG.warn("run {} ({} on {}) rolling back: {}", run.id(), run.plan().name(), run.cluster(), reason);
        for (int index = run.plan().steps().size() - 1; index >= 0; index--) {
            StepEntry entry = run.journal().step(index);
            if (!entry.status().needsUndo()) {
                continue;
            }
            Step<C> step = run.plan().steps().get(index);
            int at = index;
            run.update(journal -> journal.withStep(at, entry.undoing(clock.instant())));
            LOG.info("run {}: undoing {} (it was {})", run.id(), label(run, index), entry.status());
            try {
                step.undo(run.context(), run.facts(), reason);
            } catch (Exception e) {
                // Undoing earlier steps under a later one that is still in place could do harm: stop here.
                String incomplete = "rollback incomplete: undo of " + step.name() + " failed: " + describe(e)
                        + " (rolling back because " + reason + ")";
                RunJournal stopped = run.update(journal -> journal
                        .withStep(at, journal.step(at).withMessage("undo failed: " + describe(e)))
                        .withState(RunState.STOPPED)
                        .withFailure(incomplete));
                LOG.error("run {} ({} on {}) STOPPED: {}. The steps before it were not undone; a human must look.",
                        run.id(), run.plan().name(), run.cluster(), incomplete, e);
                return stopped;
            }
            run.update(journal -> journal.withStep(at, journal.step(at).undone(clock.instant())));
            LOG.info("run {}: {} undone", run.id(), label(run, index));
        }
        return run.update(journal -> journal.withState(endState));
    }

    private RunJournal stop(Run<?> run, String why) {
        RunJournal stopped = run.update(journal -> journal.withState(RunState.STOPPED)
                .withFailure(why + "; stopped as the step asks, nothing was undone"));
        LOG.error("run {} ({} on {}) STOPPED at {}: {}. Nothing was undone; a human must look.", run.id(), run.plan().name(),
                run.cluster(), stopped.currentStep(), why);
        return stopped;
    }

    private static RunJournal logEnd(RunJournal journal) {
        if (journal.state() == RunState.SUCCEEDED) {
            LOG.info("run {} ({} on {}) succeeded", journal.id(), journal.plan(), journal.cluster());
        } else if (journal.state() != RunState.STOPPED) { // STOPPED was logged at ERROR where it happened
            LOG.warn("run {} ({} on {}) ended {}: {}", journal.id(), journal.plan(), journal.cluster(), journal.state(),
                    journal.failure());
        }
        return journal;
    }

    private static String label(Run<?> run, int index) {
        return "step " + (index + 1) + " of " + run.plan().steps().size() + ": " + run.plan().steps().get(index).name();
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    /** The {@link StepRun} of one attempt; closed when the attempt ends, after which it records nothing. */
    private final class StepAttempt implements StepRun {

        private final Run<?> run;
        private final int index;
        // Both guarded by the run's monitor, which Run.update also holds: closing waits for a write in flight.
        private boolean open = true;
        private Instant lastProgress;

        StepAttempt(Run<?> run, int index) {
            this.run = run;
            this.index = index;
        }

        @Override
        public Facts facts() {
            return run.facts();
        }

        @Override
        public void record(String key, String value) {
            Facts.requireKey(key);
            Objects.requireNonNull(value, () -> "fact " + key);
            synchronized (run) {
                requireOpen();
                run.update(journal -> journal.withFact(key, value));
            }
            LOG.info("run {}: {} recorded {}={}", run.id(), label(run, index), key, value);
        }

        @Override
        public void progress(long done, long total, String unit) {
            Progress progress = new Progress(done, total, unit);
            synchronized (run) {
                requireOpen();
                Instant now = clock.instant();
                boolean throttled = lastProgress != null && !progress.reachedTotal()
                        && Duration.between(lastProgress, now).compareTo(PROGRESS_INTERVAL) < 0;
                if (!throttled) {
                    lastProgress = now;
                    run.update(journal -> journal.withStep(index, journal.step(index).withProgress(progress)));
                }
            }
        }

        @Override
        public void checkCancelled() {
            synchronized (run) {
                requireOpen();
            }
            observer.reached(run.journal(), run.plan().steps().get(index).name(), StepObserver.Moment.INSIDE);
            if (run.cancelRequested()) {
                throw new RunCancelledException("run " + run.id() + " was cancelled");
            }
        }

        void close() {
            synchronized (run) {
                open = false;
            }
        }

        private void requireOpen() {
            if (!open) {
                throw new RunCancelledException("the attempt at " + label(run, index) + " is over; nothing more is journaled");
            }
        }
    }
}
