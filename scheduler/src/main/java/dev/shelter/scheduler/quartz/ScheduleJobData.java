package dev.shelter.scheduler.quartz;

import dev.shelter.scheduler.Cron;
import dev.shelter.scheduler.Schedule;
import dev.shelter.scheduler.ScheduleId;
import dev.shelter.scheduler.ScheduleKind;
import org.quartz.JobDataMap;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A schedule as Quartz keeps it: strings only in the job's data map, so the JDBC store never holds
 * a serialized Java object that a later version could not read.
 */
final class ScheduleJobData {

    private static final String CLUSTER = "cluster";
    private static final String KIND = "kind";
    private static final String CRON = "cron";
    private static final String ZONE = "zone";
    private static final String GRACE_MILLIS = "misfireGraceMillis";
    private static final String PARAMETER = "parameter.";

    private ScheduleJobData() {
    }

    static JobDataMap of(Schedule schedule) {
        JobDataMap data = new JobDataMap();
        data.put(CLUSTER, schedule.cluster());
        data.put(KIND, schedule.kind().wireName());
        data.put(CRON, schedule.cron().written());
        data.put(ZONE, schedule.cron().zone().getId());
        data.put(GRACE_MILLIS, Long.toString(schedule.misfireGrace().toMillis()));
        schedule.parameters().forEach((name, value) -> data.put(PARAMETER + name, value));
        return data;
    }

    static Schedule schedule(ScheduleId id, JobDataMap data, boolean paused) {
        Map<String, String> parameters = new HashMap<>();
        for (String key : data.getKeys()) {
            if (key.startsWith(PARAMETER)) {
                parameters.put(key.substring(PARAMETER.length()), data.getString(key));
            }
        }
        return new Schedule(id, data.getString(CLUSTER), ScheduleKind.fromWireName(data.getString(KIND)),
                Cron.parse(data.getString(CRON), data.getString(ZONE)), Duration.ofMillis(Long.parseLong(data.getString(GRACE_MILLIS))),
                paused, parameters);
    }
}
