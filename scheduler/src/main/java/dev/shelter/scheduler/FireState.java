package dev.shelter.scheduler;

/** Where a fire ended: claimed by a replica, ran, skipped with a reason, failed, or missed (too late to run). */
public enum FireState {
    CLAIMED,
    RAN,
    SKIPPED,
    FAILED,
    MISSED
}
