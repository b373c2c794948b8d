package dev.shelter.service.core;

import dev.shelter.runbooks.failure.UseCaseException;

/** A request named a backup that the catalog does not know. */
public class UnknownBackupException extends UseCaseException {

    public UnknownBackupException(String id) {
        super("no backup with id '" + id + "' is known", null);
    }
}
