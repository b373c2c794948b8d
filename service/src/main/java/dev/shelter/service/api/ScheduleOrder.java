package dev.shelter.service.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * POST /clusters/{name}/schedules and PUT /schedules/{id}. {@code kind}: "backup"; {@code cron}:
 * Unix's 5 fields or Quartz's 6-7 (seconds first), read in {@code timeZone} (IANA, default UTC);
 * {@code misfireGraceSeconds}: how late a fire may still run; {@code mode} "online" (default) or
 * "offline", which needs {@code confirm} naming the cluster; {@code label} for the backups it takes.
 * On PUT a field left out stays as it was.
 */
public record ScheduleOrder(@JsonProperty("kind") String kind, @JsonProperty("cron") String cron,
                            @JsonProperty("timeZone") String timeZone, @JsonProperty("misfireGraceSeconds") Long misfireGraceSeconds,
                            @JsonProperty("paused") Boolean paused, @JsonProperty("mode") String mode, @JsonProperty("label") String label,
                            @JsonProperty("confirm") String confirm, @JsonProperty("slices") Integer slices) {

    public static final ScheduleOrder EMPTY = new ScheduleOrder(null, null, null, null, null, null, null, null, null);
}
