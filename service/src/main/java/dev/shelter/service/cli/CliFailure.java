package dev.shelter.service.cli;

/** A command that cannot do what was asked: its message is all the user sees, and the exit code is 1. */
public final class CliFailure extends RuntimeException {

    public CliFailure(String message) {
        super(message);
    }
}
