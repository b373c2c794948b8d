package dev.shelter.service.core;

import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.scheduler.Fire;
import dev.shelter.scheduler.FireOutcome;
import dev.shelter.scheduler.ScheduledWork;

import java.time.ZoneOffset;

/**
 * A fire of an offsite-scrub schedule: the slice of the day (days since 1970, in UTC, modulo the
 * schedule's slices) of every exported backup's copy of the cluster is read back, so that a daily
 * schedule has read every chunk within {@code slices} days. Skipped while the cluster has a run going.
 */
public final class ScheduledOffsiteScrub implements ScheduledWork {

    private final ScrubBackup scrubs;

    public ScheduledOffsiteScrub(ScrubBackup scrubs) {
        this.scrubs = scrubs;
    }

    @Override
    public FireOutcome perform(Fire fire) {
        int slices = Integer.parseInt(fire.schedule().parameters().getOrDefault(ManageSchedules.SLICES, "7"));
        int slice = (int) Math.floorMod(fire.scheduledAt().atZone(ZoneOffset.UTC).toLocalDate().toEpochDay(), (long) slices);
        try {
            return FireOutcome.ran(scrubs.scrubSlice(fire.schedule().cluster(), slice, slices));
        } catch (ConflictException | UnknownClusterException e) {
            return FireOutcome.skipped(e.getMessage());
        }
    }
}
