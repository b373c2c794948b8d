package dev.shelter.scheduler.quartz;

import dev.shelter.scheduler.Fire;
import dev.shelter.scheduler.FireLedger;
import dev.shelter.scheduler.FireOutcome;
import dev.shelter.scheduler.FireRecord;
import dev.shelter.scheduler.FireState;
import dev.shelter.scheduler.Schedule;
import dev.shelter.scheduler.ScheduleId;
import dev.shelter.scheduler.ScheduledWork;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * One fire of one schedule. It runs only after claiming its fire time in the ledger (a clustered
 * Quartz can fire twice), and not at all when it is later than the schedule's grace or a later
 * fire time is already due: a replica back from a pause runs the newest fire once, not a burst.
 * One schedule's fires never overlap: the next waits, and is then judged by its lateness.
 */
@DisallowConcurrentExecution
final class FireScheduleJob implements Job {

    private static final Logger LOG = LoggerFactory.getLogger(FireScheduleJob.class);

    private final ScheduledWork work;
    private final FireLedger ledger;
    private final Clock clock;
    private final String replica;

    FireScheduleJob(ScheduledWork work, FireLedger ledger, Clock clock, String replica) {
        this.work = work;
        this.ledger = ledger;
        this.clock = clock;
        this.replica = replica;
    }

    @Override
    public void execute(JobExecutionContext context) {
        ScheduleId id = new ScheduleId(context.getJobDetail().getKey().getName());
        Schedule schedule = ScheduleJobData.schedule(id, context.getMergedJobDataMap(), false);
        Instant scheduledAt = context.getScheduledFireTime().toInstant();
        Instant now = clock.instant();
        if (!ledger.claim(id, scheduledAt, replica, now)) {
            LOG.info("schedule {}: the fire of {} was already claimed by another replica", id, scheduledAt);
            return;
        }
        Duration late = Duration.between(scheduledAt, now);
        Date next = context.getNextFireTime();
        if (late.compareTo(schedule.misfireGrace()) > 0) {
            finish(id, scheduledAt, FireState.MISSED, "late by " + late.toSeconds() + " s, more than the grace of "
                    + schedule.misfireGrace().toSeconds() + " s");
            return;
        }
        if (next != null && !next.toInstant().isAfter(now)) {
            finish(id, scheduledAt, FireState.MISSED, "a later fire time (" + next.toInstant() + ") is already due");
            return;
        }
        try {
            FireOutcome outcome = work.perform(new Fire(schedule, scheduledAt, now, replica));
            finish(id, scheduledAt, outcome.state(), outcome.detail());
        } catch (RuntimeException e) {
            LOG.warn("schedule {}: the fire of {} failed: {}", id, scheduledAt, e.toString());
            finish(id, scheduledAt, FireState.FAILED, String.valueOf(e.getMessage()));
        }
    }

    private void finish(ScheduleId id, Instant scheduledAt, FireState state, String detail) {
        if (state != FireState.RAN) {
            LOG.info("schedule {}: the fire of {} {}: {}", id, scheduledAt, state.name().toLowerCase(java.util.Locale.ROOT), detail);
        }
        ledger.record(new FireRecord(id, scheduledAt, replica, state, detail, clock.instant()));
    }
}
