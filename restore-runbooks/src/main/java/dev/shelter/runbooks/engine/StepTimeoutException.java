package dev.shelter.runbooks.engine;

import java.time.Duration;

/**
 * An attempt at a step outlived its {@link Step#timeout()}. {@code stillRunning} when it did not stop
 * when interrupted: it may still be acting, so nothing may be undone under it.
 */
public class StepTimeoutException extends Exception {

    private final boolean stillRunning;

    public StepTimeoutException(String step, Duration timeout, boolean stillRunning) {
        super(step + " did not finish within " + timeout
                + (stillRunning ? " and is still running after being interrupted" : " and was interrupted"));
        this.stillRunning = stillRunning;
    }

    public boolean stillRunning() {
        return stillRunning;
    }
}
