package dev.shelter.scheduler;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The ledger of a single replica (local mode, catalog in memory). */
public final class InMemoryFireLedger implements FireLedger {

    private record Key(ScheduleId schedule, Instant scheduledAt) {
    }

    private final Map<Key, FireRecord> fires = new LinkedHashMap<>();

    @Override
    public synchronized boolean claim(ScheduleId schedule, Instant scheduledAt, String replica, Instant now) {
        return fires.putIfAbsent(new Key(schedule, scheduledAt),
                new FireRecord(schedule, scheduledAt, replica, FireState.CLAIMED, "", now)) == null;
    }

    @Override
    public synchronized void record(FireRecord fire) {
        fires.put(new Key(fire.schedule(), fire.scheduledAt()), fire);
    }

    @Override
    public synchronized List<FireRecord> recent(ScheduleId schedule, int limit) {
        List<FireRecord> ofSchedule = new ArrayList<>();
        fires.values().stream().filter(fire -> fire.schedule().equals(schedule)).forEach(ofSchedule::add);
        ofSchedule.sort(Comparator.comparing(FireRecord::scheduledAt).reversed());
        return List.copyOf(ofSchedule.subList(0, Math.min(limit, ofSchedule.size())));
    }
}
