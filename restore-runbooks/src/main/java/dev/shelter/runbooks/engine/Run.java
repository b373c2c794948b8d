package dev.shelter.runbooks.engine;

import dev.shelter.runbooks.backup.ClusterName;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

/**
 * A run begun by a {@link RunbookEngine}: the handle a caller passes to {@link RunbookEngine#execute},
 * and the one place its journal changes. Each change is persisted before it becomes the run's
 * journal, so the store never lags behind what the engine acts on.
 */
public final class Run<C> {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Run.class);
    /** How long a run waits for its journal store to take a change before it gives up. */
    static final java.time.Duration PERSIST_PATIENCE = java.time.Duration.ofMinutes(15);

    private final Plan<C> plan;
    private final C context;
    private final JournalStore journals;
    private final Clock clock;
    private final CountDownLatch cancelled = new CountDownLatch(1);
    private final AtomicBoolean claimed = new AtomicBoolean();
    private volatile RunJournal journal;
    /** Why this process may no longer write the run's journal: another replica may have taken it over. */
    private volatile String fenced;

    Run(RunJournal journal, Plan<C> plan, C context, JournalStore journals, Clock clock) {
        this.journal = journal;
        this.plan = plan;
        this.context = context;
        this.journals = journals;
        this.clock = clock;
        if (journal.cancelRequested()) {
            cancelled.countDown();
        }
    }

    public RunId id() {
        return journal.id();
    }

    public ClusterName cluster() {
        return journal.cluster();
    }

    public String subject() {
        return journal.subject();
    }

    public Plan<C> plan() {
        return plan;
    }

    public C context() {
        return context;
    }

    /** The journal as last persisted. */
    public RunJournal journal() {
        return journal;
    }

    Facts facts() {
        return journal.factsView();
    }

    /**
     * Applies the change, persists it, and only then makes it the run's journal. A store that fails
     * (an object-store outage) is tried again, for a while, rather than acting on what is not
     * recorded or abandoning a run that holds its cluster; the live journal stays readable meanwhile.
     */
    synchronized RunJournal update(UnaryOperator<RunJournal> change) {
        requireNotFenced();
        RunJournal next = change.apply(journal).withUpdatedAt(clock.instant());
        persist(next);
        journal = next;
        return next;
    }

    private void persist(RunJournal next) {
        long deadline = System.nanoTime() + PERSIST_PATIENCE.toNanos();
        long backoffMillis = 500;
        while (true) {
            requireNotFenced();
            try {
                journals.put(next);
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() - deadline >= 0) {
                    throw e;
                }
                LOG.warn("run {}: its journal cannot be written ({}); trying again in {} ms", next.id(), e.getMessage(), backoffMillis);
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoffMillis = Math.min(backoffMillis * 2, 10_000);
            }
        }
    }

    /**
     * Stops this process from writing the run's journal, and its steps at their next check, without
     * a word more in the journal: the replica that takes the run over writes it from now on.
     */
    void fence(String why) {
        fenced = why;
        cancelled.countDown();
    }

    private void requireNotFenced() {
        String why = fenced;
        if (why != null) {
            throw new IllegalStateException("run " + id() + " is no longer this process's to write: " + why);
        }
    }

    /** Only one thread drives a run. */
    boolean claim() {
        return claimed.compareAndSet(false, true);
    }

    boolean cancelRequested() {
        return cancelled.getCount() == 0;
    }

    /** Marks a running run cancelled and journals it; false if it is no longer running. */
    synchronized boolean requestCancel() {
        if (journal.state() != RunState.RUNNING) {
            return false;
        }
        cancelled.countDown();
        update(RunJournal::withCancelRequested);
        return true;
    }

    /** Waits out a retry's backoff; true (at once) if the run is cancelled meanwhile. */
    boolean awaitCancel(Duration wait) throws InterruptedException {
        return cancelled.await(wait.toNanos(), TimeUnit.NANOSECONDS);
    }
}
