package dev.shelter.scheduler;

import java.time.Instant;
import java.util.List;

/**
 * Which fire times ran where. A clustered Quartz can fire one trigger twice (a replica that missed
 * its check-in is recovered while still running; clocks skew), so a fire runs only after its
 * replica {@linkplain #claim claimed} the fire time, and a claim succeeds once per schedule and time.
 */
public interface FireLedger {

    /** True for the first claim of this fire time, false for every later one, on any replica. */
    boolean claim(ScheduleId schedule, Instant scheduledAt, String replica, Instant now);

    /** The final state of a claimed fire, or a fire that was MISSED (never claimed). */
    void record(FireRecord fire);

    /** The newest fires first. */
    List<FireRecord> recent(ScheduleId schedule, int limit);
}
