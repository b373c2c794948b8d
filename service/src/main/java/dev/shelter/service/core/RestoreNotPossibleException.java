package dev.shelter.service.core;

import dev.shelter.runbooks.failure.UseCaseException;

/** The restore asked for cannot be done from what exists (no backup reaches the target, WAL is missing…); nothing was changed. */
public final class RestoreNotPossibleException extends UseCaseException {

    public RestoreNotPossibleException(String message, Throwable cause) {
        super(message, cause);
    }
}
