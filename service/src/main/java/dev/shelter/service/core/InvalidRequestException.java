package dev.shelter.service.core;

/** The request itself is wrong (a bad mode, label or id). */
public class InvalidRequestException extends UseCaseException {

    public InvalidRequestException(String message) {
        super(message, null);
    }
}
