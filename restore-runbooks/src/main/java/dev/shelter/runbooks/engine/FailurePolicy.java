package dev.shelter.runbooks.engine;

import java.time.Duration;
import java.util.Objects;

/** What the engine does when an attempt at a step fails. */
public sealed interface FailurePolicy permits FailurePolicy.Retry, FailurePolicy.RollBack, FailurePolicy.StopAndAlert {

    /**
     * Tries the step again up to {@code attempts} more times, {@code backoff} apart (a cancellation
     * cuts the wait short), then follows {@code then}. Before each attempt the step's
     * {@link Step#isDone} is asked again: a failed attempt may still have done the work.
     */
    static FailurePolicy retry(int attempts, Duration backoff, FailurePolicy then) {
        return new Retry(attempts, backoff, then);
    }

    /** Undoes, in reverse order, every step this run started or did; the run ends ROLLED_BACK. */
    static FailurePolicy rollBack() {
        return RollBack.INSTANCE;
    }

    /** Leaves everything as it is and ends the run STOPPED, logged at ERROR: a human must look. */
    static FailurePolicy stopAndAlert() {
        return StopAndAlert.INSTANCE;
    }

    record Retry(int attempts, Duration backoff, FailurePolicy then) implements FailurePolicy {
        public Retry {
            if (attempts < 1) {
                throw new IllegalArgumentException("retry needs at least one more attempt, not " + attempts);
            }
            Objects.requireNonNull(backoff, "backoff");
            if (backoff.isNegative()) {
                throw new IllegalArgumentException("a backoff cannot be negative: " + backoff);
            }
            Objects.requireNonNull(then, "what to do when the retries are used up");
        }
    }

    record RollBack() implements FailurePolicy {
        static final RollBack INSTANCE = new RollBack();
    }

    record StopAndAlert() implements FailurePolicy {
        static final StopAndAlert INSTANCE = new StopAndAlert();
    }
}
