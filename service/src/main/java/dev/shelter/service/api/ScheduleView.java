package dev.shelter.service.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.scheduler.FireRecord;
import dev.shelter.scheduler.Schedule;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** A schedule as the API shows it: what it does, when it fires next, and how its latest fires went. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScheduleView(@JsonProperty("id") String id, @JsonProperty("cluster") String cluster, @JsonProperty("kind") String kind,
                           @JsonProperty("cron") String cron, @JsonProperty("quartzCron") String quartzCron,
                           @JsonProperty("timeZone") String timeZone, @JsonProperty("misfireGraceSeconds") long misfireGraceSeconds,
                           @JsonProperty("paused") boolean paused, @JsonProperty("mode") String mode, @JsonProperty("label") String label,
                           @JsonProperty("slices") Integer slices, @JsonProperty("nextFireTimes") List<Instant> nextFireTimes, @JsonProperty("recentFires") List<FireView> recentFires) {

    /** One fire: when it was due, where it ran, and how it ended (claimed, ran, skipped, failed, missed). */
    public record FireView(@JsonProperty("scheduledAt") Instant scheduledAt, @JsonProperty("replica") String replica,
                           @JsonProperty("state") String state, @JsonProperty("detail") String detail,
                           @JsonProperty("recordedAt") Instant recordedAt) {

        static FireView of(FireRecord fire) {
            return new FireView(fire.scheduledAt(), fire.replica(), fire.state().name().toLowerCase(Locale.ROOT), fire.detail(),
                    fire.recordedAt());
        }
    }

    public static ScheduleView of(Schedule schedule, List<Instant> next, List<FireRecord> fires) {
        return new ScheduleView(schedule.id().value(), schedule.cluster(), schedule.kind().wireName(), schedule.cron().written(),
                schedule.cron().quartzForm(), schedule.cron().zone().getId(), schedule.misfireGrace().toSeconds(), schedule.paused(),
                schedule.parameters().get("mode"), schedule.parameters().get("label"),
                schedule.parameters().containsKey("slices") ? Integer.valueOf(schedule.parameters().get("slices")) : null, next, fires.stream().map(FireView::of).toList());
    }
}
