package dev.shelter.scheduler;

import java.time.Instant;
import java.util.Objects;

/** A fire as the ledger keeps it. */
public record FireRecord(ScheduleId schedule, Instant scheduledAt, String replica, FireState state, String detail, Instant recordedAt) {

    public FireRecord {
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(scheduledAt, "scheduledAt");
        Objects.requireNonNull(replica, "replica");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(recordedAt, "recordedAt");
    }
}
