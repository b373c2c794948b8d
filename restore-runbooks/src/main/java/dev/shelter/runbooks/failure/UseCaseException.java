package dev.shelter.runbooks.failure;

/** A use case could not do what was asked; entry points turn each kind into their own answer. */
public abstract class UseCaseException extends RuntimeException {

    protected UseCaseException(String message, Throwable cause) {
        super(message, cause);
    }
}
