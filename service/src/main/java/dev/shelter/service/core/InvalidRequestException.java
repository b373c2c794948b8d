package dev.shelter.service.core;

import dev.shelter.runbooks.failure.UseCaseException;

/** The request itself is wrong (a bad mode, label or id). */
public class InvalidRequestException extends UseCaseException {

    public InvalidRequestException(String message) {
        super(message, null);
    }
}
