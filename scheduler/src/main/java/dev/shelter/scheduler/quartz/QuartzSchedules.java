package dev.shelter.scheduler.quartz;

import dev.shelter.scheduler.FireLedger;
import dev.shelter.scheduler.FireRecord;
import dev.shelter.scheduler.FireState;
import dev.shelter.scheduler.Schedule;
import dev.shelter.scheduler.ScheduleId;
import dev.shelter.scheduler.ScheduledWork;
import dev.shelter.scheduler.Schedules;
import org.quartz.CronScheduleBuilder;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.SchedulerRepository;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.matchers.GroupMatcher;
import org.quartz.listeners.TriggerListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TimeZone;

/**
 * {@link Schedules} on Quartz: one durable job and one cron trigger per schedule. A trigger that
 * Quartz finds later than {@code misfireThreshold} does nothing but record the fire as MISSED;
 * later fires within it are judged by {@link FireScheduleJob} against the schedule's own grace.
 */
public final class QuartzSchedules implements Schedules {

    private static final Logger LOG = LoggerFactory.getLogger(QuartzSchedules.class);
    private static final String GROUP = "shelter";

    private final Scheduler scheduler;
    private final String replica;

    private QuartzSchedules(Scheduler scheduler, String replica) {
        this.scheduler = scheduler;
        this.replica = replica;
    }

    /** Opens a scheduler and starts firing; see {@link #open}. */
    public static QuartzSchedules start(QuartzStore store, String replica, int threads, Duration misfireThreshold,
                                        ScheduledWork work, FireLedger ledger, Clock clock) {
        QuartzSchedules schedules = open(store, replica, threads, misfireThreshold, work, ledger, clock);
        schedules.startFiring();
        return schedules;
    }

    /**
     * Opens a scheduler that holds its fires until {@link #startFiring}, so that the service can
     * bring its schedules up to date first. {@code replica} names this Shelter among its replicas
     * (unique per replica, stable across its restarts); {@code misfireThreshold} is the most any
     * schedule's grace may be.
     */
    public static QuartzSchedules open(QuartzStore store, String replica, int threads, Duration misfireThreshold,
                                       ScheduledWork work, FireLedger ledger, Clock clock) {
        if (store instanceof QuartzStore.ClusteredPostgres database) {
            QuartzTables.createIfAbsent(database.jdbcUrl(), database.user(), database.password());
        }
        Properties properties = store.properties(threads);
        properties.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME, "shelter");
        properties.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_ID, replica);
        properties.setProperty("org.quartz.scheduler.threadName", "shelter-schedules");
        properties.setProperty("org.quartz.threadPool.threadCount", Integer.toString(threads));
        properties.setProperty("org.quartz.threadPool.threadNamePrefix", "shelter-schedule");
        properties.setProperty("org.quartz.jobStore.misfireThreshold", Long.toString(misfireThreshold.toMillis()));
        try {
            Scheduler scheduler = new StdSchedulerFactory(properties).getScheduler();
            // Each instance owns its scheduler: out of Quartz's process-wide lookup by name, which would hand
            // a second replica in one JVM (a test) the first one's scheduler. The clustered name stays "shelter".
            SchedulerRepository.getInstance().remove(scheduler.getSchedulerName());
            scheduler.setJobFactory((bundle, quartz) -> new FireScheduleJob(work, ledger, clock, replica));
            scheduler.getListenerManager().addTriggerListener(new MissedFireRecorder(ledger, clock, replica));
            return new QuartzSchedules(scheduler, replica);
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot start the scheduler: " + e.getMessage(), e);
        }
    }

    public void startFiring() {
        call(() -> {
            scheduler.start();
            return null;
        });
    }

    @Override
    public void put(Schedule schedule) {
        JobDetail job = JobBuilder.newJob(FireScheduleJob.class).withIdentity(jobKey(schedule.id()))
                .usingJobData(ScheduleJobData.of(schedule)).storeDurably().requestRecovery(false).build();
        Trigger trigger = TriggerBuilder.newTrigger().withIdentity(triggerKey(schedule.id())).forJob(job)
                .withSchedule(CronScheduleBuilder.cronSchedule(schedule.cron().quartzForm())
                        .inTimeZone(TimeZone.getTimeZone(schedule.cron().zone()))
                        .withMisfireHandlingInstructionDoNothing())
                .build();
        call(() -> {
            scheduler.scheduleJob(job, Set.of(trigger), true);
            if (schedule.paused()) {
                scheduler.pauseTrigger(trigger.getKey());
            }
            return null;
        });
    }

    @Override
    public Optional<Schedule> find(ScheduleId id) {
        return call(() -> {
            JobDetail job = scheduler.getJobDetail(jobKey(id));
            if (job == null) {
                return Optional.empty();
            }
            boolean paused = scheduler.getTriggerState(triggerKey(id)) == Trigger.TriggerState.PAUSED;
            return Optional.of(ScheduleJobData.schedule(id, job.getJobDataMap(), paused));
        });
    }

    @Override
    public List<Schedule> all() {
        return call(() -> {
            List<Schedule> schedules = new ArrayList<>();
            for (JobKey key : scheduler.getJobKeys(GroupMatcher.jobGroupEquals(GROUP))) {
                find(new ScheduleId(key.getName())).ifPresent(schedules::add);
            }
            schedules.sort(Comparator.comparing(schedule -> schedule.id().value()));
            return schedules;
        });
    }

    @Override
    public boolean remove(ScheduleId id) {
        return call(() -> scheduler.deleteJob(jobKey(id)));
    }

    @Override
    public boolean pause(ScheduleId id) {
        return call(() -> {
            if (!scheduler.checkExists(triggerKey(id))) {
                return false;
            }
            scheduler.pauseTrigger(triggerKey(id));
            return true;
        });
    }

    @Override
    public boolean resume(ScheduleId id) {
        return call(() -> {
            if (!scheduler.checkExists(triggerKey(id))) {
                return false;
            }
            // Fire times missed while paused come due at once: beyond the misfire threshold Quartz skips them, within it
            // FireScheduleJob records them as MISSED (a later fire time is due), so a resume never runs a burst.
            scheduler.resumeTrigger(triggerKey(id));
            return true;
        });
    }

    @Override
    public List<Instant> nextFireTimes(ScheduleId id, Instant after, int count) {
        return find(id).filter(schedule -> !schedule.paused()).map(schedule -> schedule.cron().nextFireTimes(after, count))
                .orElse(List.of());
    }

    public String replica() {
        return replica;
    }

    /** Stops firing; a fire in progress finishes first. */
    @Override
    public void close() {
        try {
            scheduler.shutdown(true);
        } catch (SchedulerException e) {
            LOG.warn("the scheduler did not shut down cleanly: {}", e.getMessage());
        }
    }

    private static JobKey jobKey(ScheduleId id) {
        return JobKey.jobKey(id.value(), GROUP);
    }

    private static TriggerKey triggerKey(ScheduleId id) {
        return TriggerKey.triggerKey(id.value(), GROUP);
    }

    private interface QuartzCall<T> {
        T call() throws SchedulerException;
    }

    private static <T> T call(QuartzCall<T> action) {
        try {
            return action.call();
        } catch (SchedulerException e) {
            throw new IllegalStateException("the scheduler's store failed: " + e.getMessage(), e);
        }
    }

    /** Quartz found a trigger later than its threshold and skips it (DO_NOTHING): the fire is recorded as MISSED, once. */
    private static final class MissedFireRecorder extends TriggerListenerSupport {

        private final FireLedger ledger;
        private final Clock clock;
        private final String replica;

        MissedFireRecorder(FireLedger ledger, Clock clock, String replica) {
            this.ledger = ledger;
            this.clock = clock;
            this.replica = replica;
        }

        @Override
        public String getName() {
            return "shelter-missed-fires";
        }

        @Override
        public void triggerMisfired(Trigger trigger) {
            if (!GROUP.equals(trigger.getKey().getGroup()) || trigger.getNextFireTime() == null) {
                return;
            }
            ScheduleId id = new ScheduleId(trigger.getKey().getName());
            Instant missed = trigger.getNextFireTime().toInstant();
            Instant now = clock.instant();
            if (ledger.claim(id, missed, replica, now)) {
                ledger.record(new FireRecord(id, missed, replica, FireState.MISSED,
                        "Quartz found it " + Duration.between(missed, now).toSeconds() + " s late; skipped to the next fire time", now));
            }
        }
    }
}
