package dev.shelter.service.core;

import dev.shelter.scheduler.Fire;
import dev.shelter.scheduler.FireOutcome;
import dev.shelter.scheduler.ScheduleKind;
import dev.shelter.scheduler.ScheduledWork;

import java.util.EnumMap;
import java.util.Map;

/** What a fire does, by the schedule's kind. */
public final class ScheduledWorkByKind implements ScheduledWork {

    private final Map<ScheduleKind, ScheduledWork> byKind;

    public ScheduledWorkByKind(Map<ScheduleKind, ScheduledWork> byKind) {
        this.byKind = new EnumMap<>(byKind);
    }

    @Override
    public FireOutcome perform(Fire fire) {
        ScheduledWork work = byKind.get(fire.schedule().kind());
        return work == null ? FireOutcome.skipped("schedules of kind " + fire.schedule().kind().wireName() + " cannot run in this version")
                : work.perform(fire);
    }
}
