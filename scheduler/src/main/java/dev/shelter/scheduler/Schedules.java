package dev.shelter.scheduler;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The schedules of every cluster, as the service sees them: put, read, pause, resume, remove. */
public interface Schedules extends AutoCloseable {

    /** Creates or replaces; a replaced schedule keeps its id and fires by its new cron from now on. */
    void put(Schedule schedule);

    Optional<Schedule> find(ScheduleId id);

    List<Schedule> all();

    /** False when there was no such schedule. */
    boolean remove(ScheduleId id);

    /** Idempotent: pausing a paused schedule changes nothing. False when there is no such schedule. */
    boolean pause(ScheduleId id);

    /** Idempotent; a resumed schedule fires at its next fire time from now, not at the ones it missed. */
    boolean resume(ScheduleId id);

    /** The next {@code count} times it fires after {@code after}; empty when paused. */
    List<Instant> nextFireTimes(ScheduleId id, Instant after, int count);

    @Override
    void close();
}
