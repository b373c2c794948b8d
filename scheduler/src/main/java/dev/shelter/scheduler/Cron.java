package dev.shelter.scheduler;

import org.quartz.CronExpression;

import java.text.ParseException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TimeZone;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a schedule fires: a cron expression in one of two forms, told apart by its number of fields,
 * and the time zone it is read in.
 * <ul>
 *   <li>Quartz's, seconds first, 6 or 7 fields: {@code 0 0 2 * * ?} is 02:00 every day;</li>
 *   <li>Unix's, 5 fields: {@code 0 2 * * *} is the same; its day-of-week counts 0 (or 7) as Sunday,
 *       and {@code @hourly}, {@code @daily}, {@code @weekly}, {@code @monthly}, {@code @yearly} stand for their expansions.</li>
 * </ul>
 * Unix cron fires when either of a restricted day-of-month and day-of-week matches; Quartz cannot
 * say "either", so a Unix expression that restricts both is refused rather than read differently.
 */
public record Cron(String written, String quartzForm, ZoneId zone) {

    private static final Map<String, String> UNIX_MACROS = Map.of(
            "@hourly", "0 * * * *", "@daily", "0 0 * * *", "@midnight", "0 0 * * *",
            "@weekly", "0 0 * * 0", "@monthly", "0 0 1 * *", "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *");
    private static final String[] UNIX_DAY_NAMES = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};
    /** A day number in a Unix day-of-week field; a number after '/' is a step, not a day. */
    private static final Pattern UNIX_DAY_NUMBER = Pattern.compile("(?<![/\\d])\\d+");

    public Cron {
        Objects.requireNonNull(written, "written");
        Objects.requireNonNull(quartzForm, "quartzForm");
        Objects.requireNonNull(zone, "zone");
    }

    /** Reads {@code written} in {@code zoneName} (an IANA name such as Europe/Berlin, or UTC); a bad one says why. */
    public static Cron parse(String written, String zoneName) {
        if (written == null || written.isBlank()) {
            throw new IllegalArgumentException("a cron expression is required");
        }
        ZoneId zone = zoneOf(zoneName);
        String trimmed = written.trim();
        String expanded = UNIX_MACROS.getOrDefault(trimmed.toLowerCase(Locale.ROOT), trimmed);
        if (expanded.startsWith("@")) {
            throw new IllegalArgumentException("'" + trimmed + "' is not a known shorthand; use one of " + UNIX_MACROS.keySet().stream()
                    .sorted().toList());
        }
        String[] fields = expanded.split("\\s+");
        String quartz = switch (fields.length) {
            case 5 -> fromUnix(fields);
            case 6, 7 -> String.join(" ", fields);
            default -> throw new IllegalArgumentException("a cron expression has 5 fields (Unix: minute hour day-of-month month "
                    + "day-of-week) or 6 to 7 (Quartz: second minute hour day-of-month month day-of-week [year]), not "
                    + fields.length + ": '" + trimmed + "'");
        };
        Cron cron = new Cron(trimmed, quartz, zone);
        CronExpression checked = cron.expression();
        if (checked.getNextValidTimeAfter(new Date()) == null) {
            throw new IllegalArgumentException("'" + trimmed + "' never fires again");
        }
        return cron;
    }

    /** The next {@code count} fire times strictly after {@code after}. Fewer when the expression runs out (a year field). */
    public List<Instant> nextFireTimes(Instant after, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, not " + count);
        }
        CronExpression expression = expression();
        List<Instant> times = new ArrayList<>(count);
        Date next = Date.from(after);
        while (times.size() < count) {
            next = expression.getNextValidTimeAfter(next);
            if (next == null) {
                break;
            }
            times.add(next.toInstant());
        }
        return times;
    }

    private CronExpression expression() {
        try {
            CronExpression expression = new CronExpression(quartzForm);
            expression.setTimeZone(TimeZone.getTimeZone(zone));
            return expression;
        } catch (ParseException e) {
            throw new IllegalArgumentException("'" + written + "' is not a valid cron expression: " + e.getMessage()
                    + (quartzForm.equals(written) ? "" : " (read as Quartz's '" + quartzForm + "')"));
        }
    }

    private static String fromUnix(String[] unix) {
        String dayOfMonth = unix[2];
        String dayOfWeek = unix[4];
        boolean anyDayOfMonth = dayOfMonth.equals("*") || dayOfMonth.equals("?");
        boolean anyDayOfWeek = dayOfWeek.equals("*") || dayOfWeek.equals("?");
        if (!anyDayOfMonth && !anyDayOfWeek) {
            throw new IllegalArgumentException("Unix cron fires when either the day of the month (" + dayOfMonth + ") or the day of "
                    + "the week (" + dayOfWeek + ") matches, which Quartz cannot express; restrict one and leave the other *");
        }
        String quartzDayOfMonth = anyDayOfMonth && !anyDayOfWeek ? "?" : anyDayOfMonth ? "*" : dayOfMonth;
        String quartzDayOfWeek = anyDayOfWeek ? "?" : unixDaysAsNames(dayOfWeek);
        return String.join(" ", "0", unix[0], unix[1], quartzDayOfMonth, unix[3], quartzDayOfWeek);
    }

    /** Unix counts days 0-7 from Sunday, Quartz 1-7 from Sunday: names mean the same in both. */
    private static String unixDaysAsNames(String field) {
        Matcher numbers = UNIX_DAY_NUMBER.matcher(field);
        StringBuilder named = new StringBuilder();
        while (numbers.find()) {
            int day = Integer.parseInt(numbers.group());
            if (day > 7) {
                throw new IllegalArgumentException("day of the week " + day + " is out of range: Unix cron counts 0-7, 0 and 7 "
                        + "being Sunday");
            }
            numbers.appendReplacement(named, UNIX_DAY_NAMES[day]);
        }
        numbers.appendTail(named);
        return named.toString();
    }

    private static ZoneId zoneOf(String zoneName) {
        if (zoneName == null || zoneName.isBlank()) {
            return ZoneId.of("UTC");
        }
        try {
            return ZoneId.of(zoneName);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("'" + zoneName + "' is not a time zone; use an IANA name such as Europe/Berlin, or UTC");
        }
    }
}
