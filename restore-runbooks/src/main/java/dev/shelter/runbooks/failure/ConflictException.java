package dev.shelter.runbooks.failure;

/** The request is valid but clashes with the current state (a running backup, a standby, a backup in use). */
public class ConflictException extends UseCaseException {

    public ConflictException(String message) {
        super(message, null);
    }
}
