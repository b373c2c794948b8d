package dev.shelter.scheduler;

/**
 * What the service does when a schedule fires; the scheduler's only way into the service. It
 * runs once per fire time across all replicas (the {@link FireLedger} decides which replica).
 */
public interface ScheduledWork {

    /** Starts or does the work, or says why not (a restore holds the cluster). A thrown exception is recorded as FAILED. */
    FireOutcome perform(Fire fire);
}
