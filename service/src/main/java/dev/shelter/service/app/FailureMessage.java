package dev.shelter.service.app;

/** A command's failure as its user reads it: the message and each cause's, without a stack trace. */
final class FailureMessage {

    private FailureMessage() {
    }

    /** "shelter catalog: message", then a "caused by:" line per cause. */
    static String of(String command, Throwable error) {
        StringBuilder message = new StringBuilder(command).append(": ").append(error.getMessage());
        for (Throwable cause = error.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            message.append("\n  caused by: ").append(cause.getMessage());
        }
        return message.toString();
    }
}
