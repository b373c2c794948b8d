package dev.shelter.runbooks.failure;

/** A cluster's PostgreSQL did not answer; the message says what the driver reported. */
public class ClusterUnreachableException extends UseCaseException {

    public ClusterUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
