package dev.shelter.service.core;

import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.scheduler.Fire;
import dev.shelter.scheduler.FireOutcome;
import dev.shelter.scheduler.ScheduledWork;

/** A retention-sweep schedule's fire: the sweep, confirmed when the schedule was made; a busy cluster skips it. */
public final class ScheduledRetentionSweep implements ScheduledWork {

    private final SweepRetention sweepRetention;

    public ScheduledRetentionSweep(SweepRetention sweepRetention) {
        this.sweepRetention = sweepRetention;
    }

    @Override
    public FireOutcome perform(Fire fire) {
        String cluster = fire.schedule().cluster();
        try {
            SweepRetention.Outcome swept = sweepRetention.sweep(cluster, cluster);
            return FireOutcome.ran("swept: " + swept.deleted().size() + " deleted, " + swept.refused().size() + " refused, "
                    + swept.decision().kept().size() + " kept");
        } catch (ConflictException | UnknownClusterException e) {
            return FireOutcome.skipped(e.getMessage());
        }
    }
}
