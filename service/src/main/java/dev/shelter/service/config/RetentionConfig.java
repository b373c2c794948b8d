package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.runbooks.retention.CalendarBuckets;
import dev.shelter.runbooks.retention.KeepLast;
import dev.shelter.runbooks.retention.RecoveryWindow;
import dev.shelter.runbooks.retention.RetentionPolicy;
import dev.shelter.runbooks.retention.RetentionRule;
import io.dropwizard.validation.ValidationMethod;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import java.time.Duration;
import java.util.stream.Stream;

/**
 * Which backups a cluster keeps: exactly one of {@code keepLast}, {@code recoveryWindowDays} or
 * {@code calendar}, and the {@code minimumKept} newest whatever the rule says.
 */
public class RetentionConfig {

    @Min(1)
    @Max(10_000)
    @JsonProperty
    public Integer keepLast;

    @Min(1)
    @Max(36_500)
    @JsonProperty
    public Integer recoveryWindowDays;

    @Valid
    @JsonProperty
    public CalendarConfig calendar;

    @Min(0)
    @Max(10_000)
    @JsonProperty
    public int minimumKept = 1;

    /** Grandfather-father-son: the newest backup of each of the last n UTC hours, days, ISO weeks, months, years. */
    public static class CalendarConfig {
        @Min(0) @JsonProperty public int hourly;
        @Min(0) @JsonProperty public int daily;
        @Min(0) @JsonProperty public int weekly;
        @Min(0) @JsonProperty public int monthly;
        @Min(0) @JsonProperty public int yearly;

        @ValidationMethod(message = "a calendar policy needs at least one count above zero, or it keeps nothing")
        public boolean isKeepingSomething() {
            return hourly + daily + weekly + monthly + yearly > 0;
        }
    }

    @ValidationMethod(message = "retention needs exactly one of keepLast, recoveryWindowDays or calendar")
    public boolean isOneRule() {
        return Stream.of(keepLast, recoveryWindowDays, calendar).filter(rule -> rule != null).count() == 1;
    }

    public RetentionPolicy toPolicy() {
        RetentionRule rule = keepLast != null ? new KeepLast(keepLast)
                : recoveryWindowDays != null ? new RecoveryWindow(Duration.ofDays(recoveryWindowDays))
                : new CalendarBuckets(calendar.hourly, calendar.daily, calendar.weekly, calendar.monthly, calendar.yearly);
        return new RetentionPolicy(rule, minimumKept);
    }
}
