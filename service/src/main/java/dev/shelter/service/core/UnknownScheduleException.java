package dev.shelter.service.core;

import dev.shelter.runbooks.failure.UseCaseException;

/** A request named a schedule that does not exist. */
public class UnknownScheduleException extends UseCaseException {

    public UnknownScheduleException(String id) {
        super("no schedule with id '" + id + "' exists", null);
    }
}
