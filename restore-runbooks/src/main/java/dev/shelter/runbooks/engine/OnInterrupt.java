package dev.shelter.runbooks.engine;

/** What resuming a run that a crash left unfinished does. */
public enum OnInterrupt {
    /** Runs the plan again from the top; steps whose {@link Step#isDone} holds are not executed again. */
    RESUME,
    /** Undoes, in reverse order, the steps the run started or did. */
    ROLL_BACK
}
