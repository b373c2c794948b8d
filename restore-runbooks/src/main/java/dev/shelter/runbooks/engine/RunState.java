package dev.shelter.runbooks.engine;

/** Where a run is. An unfinished run holds its cluster's lock; a finished one never changes again. */
public enum RunState {
    RUNNING,
    SUCCEEDED,
    ROLLING_BACK,
    ROLLED_BACK,
    /** Stopped for a human (stopAndAlert, or a rollback that could not finish): finished, so never resumed on its own. */
    STOPPED,
    CANCELLED;

    public boolean isFinished() {
        return this != RUNNING && this != ROLLING_BACK;
    }
}
