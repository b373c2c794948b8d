package dev.shelter.service.core;

import dev.shelter.scheduler.Schedule;
import dev.shelter.scheduler.ScheduleId;

import java.util.List;
import java.util.Optional;

/**
 * The schedules as documents in the object store: the truth that Quartz's store indexes (a fresh
 * Shelter pointed at the bucket finds its schedules again, whatever its catalog).
 */
public interface ScheduleDocuments {

    void put(Schedule schedule);

    Optional<Schedule> find(ScheduleId id);

    List<Schedule> all();

    void delete(ScheduleId id);
}
