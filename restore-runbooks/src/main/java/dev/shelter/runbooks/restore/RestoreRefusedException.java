package dev.shelter.runbooks.restore;

/** A restore step found the target in a state where going on could corrupt it, and stopped. */
public class RestoreRefusedException extends RuntimeException {

    public RestoreRefusedException(String message) {
        super(message);
    }

    public RestoreRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
