package dev.shelter.runbooks.retention;

import dev.shelter.runbooks.backup.BackupId;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Grandfather-father-son: for each granularity, the newest backup of each of the {@code n} most
 * recent UTC calendar periods that have a backup (hours, days, ISO weeks from Monday, months,
 * years). A period without a backup does not use up a count, as in restic and Benji. One backup
 * may fill several buckets.
 */
public record CalendarBuckets(int hourly, int daily, int weekly, int monthly, int yearly) implements RetentionRule {

    public CalendarBuckets {
        if (hourly < 0 || daily < 0 || weekly < 0 || monthly < 0 || yearly < 0) {
            throw new IllegalArgumentException("calendar counts cannot be negative");
        }
        if (hourly + daily + weekly + monthly + yearly == 0) {
            throw new IllegalArgumentException("a calendar policy needs at least one count above zero, or it keeps nothing");
        }
    }

    private enum Period {
        HOUR("hour", time -> time.truncatedTo(ChronoUnit.HOURS).toString()),
        DAY("day", time -> time.toLocalDate().toString()),
        WEEK("week", time -> "week of " + time.toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY))),
        MONTH("month", time -> YearMonth.from(time).toString()),
        YEAR("year", time -> Integer.toString(time.getYear()));

        private final String noun;
        private final Function<ZonedDateTime, String> key;

        Period(String noun, Function<ZonedDateTime, String> key) {
            this.noun = noun;
            this.key = key;
        }
    }

    @Override
    public Map<BackupId, String> keep(List<RetainedBackup> newestFirst, Instant now) {
        Map<BackupId, List<String>> reasons = new LinkedHashMap<>();
        bucket(newestFirst, Period.HOUR, hourly, reasons);
        bucket(newestFirst, Period.DAY, daily, reasons);
        bucket(newestFirst, Period.WEEK, weekly, reasons);
        bucket(newestFirst, Period.MONTH, monthly, reasons);
        bucket(newestFirst, Period.YEAR, yearly, reasons);
        Map<BackupId, String> kept = new LinkedHashMap<>();
        reasons.forEach((id, why) -> kept.put(id, String.join("; ", why)));
        return kept;
    }

    private static void bucket(List<RetainedBackup> newestFirst, Period period, int count, Map<BackupId, List<String>> reasons) {
        Set<String> filled = new HashSet<>();
        for (RetainedBackup backup : newestFirst) {
            if (filled.size() == count) {
                return;
            }
            String key = period.key.apply(backup.endedAt().atZone(ZoneOffset.UTC));
            if (filled.add(key)) {
                reasons.computeIfAbsent(backup.id(), id -> new ArrayList<>())
                        .add("newest of " + period.noun + " " + key + " (" + filled.size() + " of " + count + ")");
            }
        }
    }

    @Override
    public String describe() {
        List<String> parts = new ArrayList<>();
        addPart(parts, hourly, "hourly");
        addPart(parts, daily, "daily");
        addPart(parts, weekly, "weekly");
        addPart(parts, monthly, "monthly");
        addPart(parts, yearly, "yearly");
        return "keep the newest backup of each UTC calendar period: " + String.join(", ", parts);
    }

    private static void addPart(List<String> parts, int count, String name) {
        if (count > 0) {
            parts.add(count + " " + name);
        }
    }
}
