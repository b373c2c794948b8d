package dev.shelter.runbooks.engine;

/** Where one step of a run is. */
public enum StepStatus {
    PENDING,
    /** Found done before this run touched it: this run did not make the effect, so a rollback leaves it. */
    SKIPPED_DONE,
    STARTED,
    DONE,
    FAILED,
    UNDOING,
    UNDONE;

    /** Whether a rollback must call the step's undo: this run may have made (part of) its effect. */
    public boolean needsUndo() {
        return this == STARTED || this == DONE || this == FAILED || this == UNDOING;
    }
}
