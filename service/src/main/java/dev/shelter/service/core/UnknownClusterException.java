package dev.shelter.service.core;

import dev.shelter.runbooks.failure.UseCaseException;

/** A request named a cluster that is not configured. */
public class UnknownClusterException extends UseCaseException {

    public UnknownClusterException(String name) {
        super("no cluster named '" + name + "' is configured", null);
    }
}
