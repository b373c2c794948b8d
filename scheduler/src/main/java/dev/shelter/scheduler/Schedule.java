package dev.shelter.scheduler;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A cron schedule of one cluster. {@code misfireGrace} is how late a fire may still run: a fire
 * later than that (a replica was down, the previous run was still going) is skipped and recorded,
 * never run late in a burst. {@code parameters} belong to the kind (a backup's mode and label) and
 * are the service's to read.
 */
public record Schedule(ScheduleId id, String cluster, ScheduleKind kind, Cron cron, Duration misfireGrace, boolean paused,
                       Map<String, String> parameters) {

    private static final Pattern PARAMETER_NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9]{0,39}");

    public Schedule {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(cron, "cron");
        Objects.requireNonNull(misfireGrace, "misfireGrace");
        if (misfireGrace.isNegative() || misfireGrace.toMillis() < 1_000) {
            throw new IllegalArgumentException("misfireGrace must be at least one second, not " + misfireGrace);
        }
        parameters = Map.copyOf(new TreeMap<>(parameters));
        parameters.forEach((name, value) -> {
            if (!PARAMETER_NAME.matcher(name).matches() || value == null) {
                throw new IllegalArgumentException("bad schedule parameter '" + name + "'");
            }
        });
    }

    public Schedule pausedAs(boolean nowPaused) {
        return new Schedule(id, cluster, kind, cron, misfireGrace, nowPaused, parameters);
    }
}
