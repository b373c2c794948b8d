package dev.shelter.service.core;

import dev.shelter.runbooks.failure.UseCaseException;

/** No restore has the id asked for. */
public final class UnknownRestoreException extends UseCaseException {

    public UnknownRestoreException(String id) {
        super("no restore " + id, null);
    }
}
