package dev.shelter.scheduler;

import java.time.Instant;
import java.util.Objects;

/** One fire of a schedule: the time it was due, when it actually fired, and on which replica. */
public record Fire(Schedule schedule, Instant scheduledAt, Instant firedAt, String replica) {

    public Fire {
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(scheduledAt, "scheduledAt");
        Objects.requireNonNull(firedAt, "firedAt");
        Objects.requireNonNull(replica, "replica");
    }
}
