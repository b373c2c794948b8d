package dev.shelter.runbooks.engine;

import java.time.Instant;
import java.util.Objects;

/**
 * One step as the journal knows it. {@code startedAt}, {@code endedAt}, {@code message} and
 * {@code progress} are null until known; {@code attempts} counts the executions begun.
 */
public record StepEntry(String name, String target, StepStatus status, Instant startedAt, Instant endedAt, int attempts,
                        String message, Progress progress) {

    public StepEntry {
        Objects.requireNonNull(name, "step name");
        Objects.requireNonNull(target, "step target");
        Objects.requireNonNull(status, "step status");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts cannot be negative");
        }
    }

    public static StepEntry pending(String name, String target) {
        return new StepEntry(name, target, StepStatus.PENDING, null, null, 0, null, null);
    }

    /** An attempt begins; a message or progress of an earlier attempt is dropped. */
    public StepEntry started(String currentTarget, Instant at, int attempt) {
        return new StepEntry(name, currentTarget, StepStatus.STARTED, at, null, attempt, null, null);
    }

    public StepEntry done(Instant at) {
        return new StepEntry(name, target, StepStatus.DONE, startedAt, at, attempts, message, progress);
    }

    public StepEntry skippedDone(Instant at) {
        return new StepEntry(name, target, StepStatus.SKIPPED_DONE, startedAt, at, attempts, "already done", progress);
    }

    public StepEntry failed(Instant at, String why) {
        return new StepEntry(name, target, StepStatus.FAILED, startedAt, at, attempts, why, progress);
    }

    public StepEntry undoing(Instant at) {
        return new StepEntry(name, target, StepStatus.UNDOING, startedAt, endedAt, attempts, message, progress);
    }

    public StepEntry undone(Instant at) {
        return new StepEntry(name, target, StepStatus.UNDONE, startedAt, at, attempts, message, progress);
    }

    public StepEntry withMessage(String text) {
        return new StepEntry(name, target, status, startedAt, endedAt, attempts, text, progress);
    }

    public StepEntry withProgress(Progress now) {
        return new StepEntry(name, target, status, startedAt, endedAt, attempts, message, now);
    }
}
