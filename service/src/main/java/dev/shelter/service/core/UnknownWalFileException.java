package dev.shelter.service.core;

import dev.shelter.runbooks.failure.UseCaseException;

/** restore_command asked for a WAL file the archive does not hold: the normal end of recovery. */
public class UnknownWalFileException extends UseCaseException {

    public UnknownWalFileException(String cluster, String name) {
        super("the WAL archive of " + cluster + " holds no " + name, null);
    }
}
