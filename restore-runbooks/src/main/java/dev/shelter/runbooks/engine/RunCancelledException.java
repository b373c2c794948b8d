package dev.shelter.runbooks.engine;

/** Thrown inside a step to stop it: the run was cancelled, or the attempt was abandoned after its timeout. */
public class RunCancelledException extends RuntimeException {

    public RunCancelledException(String message) {
        super(message);
    }
}
