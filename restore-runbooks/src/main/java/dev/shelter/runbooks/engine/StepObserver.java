package dev.shelter.runbooks.engine;

/**
 * Told when a run reaches a moment of a step, in the engine's thread, before it goes on. For
 * fault injection in crash tests: an observer that never returns freezes the run exactly there.
 */
public interface StepObserver {

    /** The moments between which a kill -9 leaves a different journal. */
    enum Moment {
        /** About to be observed: reached even by a step that turns out to be done already and is skipped. */
        BEFORE,
        /** Journaled as started; nothing of the step executed yet. */
        STARTED,
        /** Inside the step, at a point where it checks for cancellation (part of its effect made, perhaps). */
        INSIDE,
        /** Executed, its effect made, but not yet journaled as done. */
        EXECUTED
    }

    StepObserver NONE = (journal, step, moment) -> { };

    void reached(RunJournal journal, String step, Moment moment);
}
