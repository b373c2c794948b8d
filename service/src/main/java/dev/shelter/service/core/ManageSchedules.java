package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.scheduler.Cron;
import dev.shelter.scheduler.FireLedger;
import dev.shelter.scheduler.FireRecord;
import dev.shelter.scheduler.Schedule;
import dev.shelter.scheduler.ScheduleId;
import dev.shelter.scheduler.ScheduleKind;
import dev.shelter.scheduler.Schedules;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Create, show, change, pause, resume and delete schedules. Each change is written to the
 * schedule's document first (the truth) and then to Quartz (its index); {@link #synchronize} makes
 * Quartz agree with the documents at start, so a change cut off between the two is finished then.
 */
public final class ManageSchedules {

    private static final Logger LOG = LoggerFactory.getLogger(ManageSchedules.class);
    private static final int SHOWN_FIRE_TIMES = 5;
    private static final int SHOWN_FIRES = 10;

    /** What was asked, as the API takes it; null means "the default" (on a change: "as it was"). */
    public record Order(String kind, String cron, String timeZone, Long misfireGraceSeconds, Boolean paused, String mode, String label,
                        String confirm, Integer slices) {
    }

    /** A schedule with its next fire times and its latest fires. */
    public record Shown(Schedule schedule, List<Instant> nextFireTimes, List<FireRecord> recentFires) {
    }

    private final ClusterRegistry clusters;
    private final SweepRetention sweeps;
    private final ScheduleDocuments documents;
    private final Schedules schedules;
    private final FireLedger ledger;
    private final Duration defaultGrace;
    private final Duration mostGrace;
    private final Clock clock;

    public ManageSchedules(ClusterRegistry clusters, SweepRetention sweeps, ScheduleDocuments documents, Schedules schedules,
                           FireLedger ledger, Duration defaultGrace, Duration mostGrace, Clock clock) {
        this.clusters = clusters;
        this.sweeps = sweeps;
        this.documents = documents;
        this.schedules = schedules;
        this.ledger = ledger;
        this.defaultGrace = defaultGrace;
        this.mostGrace = mostGrace;
        this.clock = clock;
    }

    public Shown create(String clusterName, Order order) {
        clusters.require(clusterName);
        Schedule schedule = checked(ScheduleId.random(), clusterName, order, Optional.empty());
        documents.put(schedule);
        schedules.put(schedule);
        LOG.info("schedule {} of cluster {} created: {} at '{}' ({})", schedule.id(), clusterName, schedule.kind().wireName(),
                schedule.cron().written(), schedule.cron().zone());
        return shown(schedule);
    }

    public List<Shown> list(String clusterName) {
        clusters.require(clusterName);
        return documents.all().stream().filter(schedule -> schedule.cluster().equals(clusterName)).map(this::shown).toList();
    }

    public Shown show(String id) {
        return shown(require(id));
    }

    /** Replaces what the order gives; the rest stays as it was. */
    public Shown replace(String id, Order order) {
        Schedule old = require(id);
        Schedule schedule = checked(old.id(), old.cluster(), order, Optional.of(old));
        documents.put(schedule);
        schedules.put(schedule);
        return shown(schedule);
    }

    public void delete(String id) {
        Schedule schedule = require(id);
        documents.delete(schedule.id());
        schedules.remove(schedule.id());
        LOG.info("schedule {} of cluster {} deleted", schedule.id(), schedule.cluster());
    }

    /** Idempotent: pausing a paused schedule answers it as it is. */
    public Shown pause(String id) {
        return setPaused(require(id), true);
    }

    /** Idempotent; fire times missed while paused are not run. */
    public Shown resume(String id) {
        return setPaused(require(id), false);
    }

    public List<Instant> next(String id, int count) {
        if (count < 1 || count > 100) {
            throw new InvalidRequestException("count must be between 1 and 100, not " + count);
        }
        Schedule schedule = require(id);
        return schedule.paused() ? List.of() : schedule.cron().nextFireTimes(clock.instant(), count);
    }

    /** At start: Quartz gets every documented schedule as documented, and loses the ones without a document. */
    public void synchronize() {
        Map<ScheduleId, Schedule> documented = new LinkedHashMap<>();
        documents.all().forEach(schedule -> documented.put(schedule.id(), schedule));
        for (Schedule indexed : schedules.all()) {
            if (!documented.containsKey(indexed.id())) {
                LOG.info("schedule {} has no document (deleted); removing it from the scheduler", indexed.id());
                schedules.remove(indexed.id());
            }
        }
        for (Schedule schedule : documented.values()) {
            if (!schedules.find(schedule.id()).equals(Optional.of(schedule))) {
                schedules.put(schedule);
            }
        }
    }

    private Shown setPaused(Schedule schedule, boolean paused) {
        Schedule changed = schedule.pausedAs(paused);
        if (!changed.equals(schedule)) {
            documents.put(changed);
        }
        // Quartz is told even when the document already said so: a change cut off between the two is finished here.
        if (paused) {
            schedules.pause(changed.id());
        } else {
            schedules.resume(changed.id());
        }
        return shown(changed);
    }

    private Schedule require(String id) {
        if (!ScheduleId.isWellFormed(id)) {
            throw new UnknownScheduleException(id);
        }
        return documents.find(new ScheduleId(id)).orElseThrow(() -> new UnknownScheduleException(id));
    }

    private Shown shown(Schedule schedule) {
        List<Instant> next = schedule.paused() ? List.of() : schedule.cron().nextFireTimes(clock.instant(), SHOWN_FIRE_TIMES);
        return new Shown(schedule, next, ledger.recent(schedule.id(), SHOWN_FIRES));
    }

    private Schedule checked(ScheduleId id, String clusterName, Order order, Optional<Schedule> old) {
        ScheduleKind kind = order.kind() != null ? kind(order.kind()) : old.map(Schedule::kind).orElseThrow(
                () -> new InvalidRequestException("kind is required: backup, retention-sweep or offsite-scrub"));
        if (old.isPresent() && kind != old.get().kind()) {
            throw new InvalidRequestException("a schedule's kind cannot change (it is " + old.get().kind().wireName()
                    + "); delete it and create another");
        }
        String cronText = order.cron() != null ? order.cron() : old.map(schedule -> schedule.cron().written()).orElseThrow(
                () -> new InvalidRequestException("cron is required, e.g. \"0 2 * * *\" (Unix) or \"0 0 2 * * ?\" (Quartz)"));
        String zone = order.timeZone() != null ? order.timeZone() : old.map(schedule -> schedule.cron().zone().getId()).orElse("UTC");
        Cron cron;
        try {
            cron = Cron.parse(cronText, zone);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        Duration grace = order.misfireGraceSeconds() != null ? Duration.ofSeconds(order.misfireGraceSeconds())
                : old.map(Schedule::misfireGrace).orElse(defaultGrace);
        if (grace.toSeconds() < 1 || grace.compareTo(mostGrace) > 0) {
            throw new InvalidRequestException("misfireGraceSeconds must be between 1 and " + mostGrace.toSeconds() + ", not "
                    + grace.toSeconds());
        }
        boolean paused = order.paused() != null ? order.paused() : old.map(Schedule::paused).orElse(false);
        if (order.slices() != null && kind != ScheduleKind.OFFSITE_SCRUB) {
            throw new InvalidRequestException("slices is an offsite-scrub schedule's; a " + kind.wireName() + " schedule takes none");
        }
        Map<String, String> parameters = switch (kind) {
            case BACKUP -> backupParameters(clusterName, order, old.map(Schedule::parameters).orElse(Map.of()));
            case OFFSITE_SCRUB -> scrubParameters(order, old.map(Schedule::parameters).orElse(Map.of()));
            default -> sweepParameters(clusterName, order, old.isEmpty());
        };
        return new Schedule(id, clusterName, kind, cron, grace, paused, parameters);
    }

    private static ScheduleKind kind(String name) {
        ScheduleKind kind;
        try {
            kind = ScheduleKind.fromWireName(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        if (kind == ScheduleKind.DRILL) {
            throw new InvalidRequestException("schedules of kind 'drill' are not available in this version; backup, "
                    + "retention-sweep and offsite-scrub are");
        }
        return kind;
    }

    /** A sweep deletes backups each time it runs: it takes no backup fields, needs a policy, and is confirmed once, here. */
    private Map<String, String> sweepParameters(String clusterName, Order order, boolean creating) {
        if (order.mode() != null || order.label() != null) {
            throw new InvalidRequestException("mode and label are a backup schedule's; a retention-sweep schedule takes neither");
        }
        if (!sweeps.hasPolicy(clusterName)) {
            throw new InvalidRequestException("cluster '" + clusterName + "' has no retention policy (clusters[].retention) to sweep by");
        }
        if (creating && !clusterName.equals(order.confirm())) {
            throw new InvalidRequestException("a retention sweep deletes backups of cluster '" + clusterName + "' each time it runs: "
                    + "to schedule it, send \"confirm\": \"" + clusterName + "\"");
        }
        return Map.of();
    }

    /**
     * A deep scrub in slices: each fire reads slice (days since 1970 mod {@code slices}) of the
     * chunks of each exported backup, so a daily schedule has read every chunk within that many days.
     */
    private static Map<String, String> scrubParameters(Order order, Map<String, String> old) {
        if (order.mode() != null || order.label() != null) {
            throw new InvalidRequestException("mode and label are a backup schedule's; an offsite-scrub schedule takes neither");
        }
        int slices = order.slices() != null ? order.slices() : Integer.parseInt(old.getOrDefault(SLICES, "7"));
        if (slices < 1 || slices > 366) {
            throw new InvalidRequestException("slices must be from 1 (every chunk each time) to 366, not " + slices);
        }
        return Map.of(SLICES, Integer.toString(slices));
    }

    /** An offsite-scrub schedule's parameter: the days in which everything is read once. */
    public static final String SLICES = "slices";

    private static Map<String, String> backupParameters(String clusterName, Order order, Map<String, String> old) {
        Map<String, String> parameters = new LinkedHashMap<>(old);
        if (order.mode() != null) {
            if (!order.mode().equals("online") && !order.mode().equals("offline")) {
                throw new InvalidRequestException("mode must be \"online\" or \"offline\" (lowercase), not \"" + order.mode() + "\"");
            }
            parameters.put("mode", order.mode());
        }
        parameters.putIfAbsent("mode", "online");
        if (order.label() != null) {
            if (!BackupRequest.isUsableLabel(order.label())) {
                throw new InvalidRequestException("label must be 1-100 characters of letters, digits, space and ._:+@- "
                        + "(it is written into backup_label)");
            }
            parameters.put("label", order.label());
        }
        if (parameters.get("mode").equals("offline") && !old.getOrDefault("mode", "").equals("offline")
                && !clusterName.equals(order.confirm())) {
            throw new InvalidRequestException("an offline backup stops PostgreSQL of cluster '" + clusterName + "' each time it runs: "
                    + "to schedule it, send \"confirm\": \"" + clusterName + "\"");
        }
        return parameters;
    }
}
