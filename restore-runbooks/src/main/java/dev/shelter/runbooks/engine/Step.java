package dev.shelter.runbooks.engine;

import java.time.Duration;

/**
 * One small step of a {@link Plan}, named verb + noun ({@code CreateSnapshots}). A step observes
 * whether its effect is already there ({@link #isDone}) and acts idempotently ({@link #execute}),
 * so that running a plan again from the top after a crash is safe.
 *
 * @param <C> what the plan acts on (the cluster's ports, the backup's id, …)
 */
public interface Step<C> {

    /** Verb + noun, unique within its plan: the journal matches entries to steps by it. */
    String name();

    /** What the step acts on, for the dry run and the journal. May observe; must not change anything. */
    String target(C context, Facts facts);

    /** Observes the real state: true when the step's effect is already in place. */
    boolean isDone(C context, Facts facts);

    /**
     * Acts, idempotently. Anything recovery will need (a name about to be created) is
     * {@linkplain StepRun#record recorded} before the act, so that an undo after a crash finds it.
     */
    void execute(C context, StepRun run) throws Exception;

    /**
     * Takes the effect away, for a rollback; idempotent. Also called for a step that started and
     * never finished (a crash or a failure mid-step), so it must cope with a half-done or not-done effect.
     */
    default void undo(C context, Facts facts, String reason) {
    }

    /** How long one attempt at {@link #execute} may take before it is interrupted and counted as failed. */
    default Duration timeout() {
        return Duration.ofMinutes(10);
    }

    /** What the engine does when an attempt fails. */
    default FailurePolicy onFailure() {
        return FailurePolicy.rollBack();
    }
}
