package dev.shelter.scheduler;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Both cron forms, read the way their users mean them, checked by the fire times they give. */
class CronTest {

    /** Monday 30 November 2026, 15:00 UTC. */
    private static final Instant MONDAY_AFTERNOON = Instant.parse("2026-11-30T15:00:00Z");

    static Stream<Arguments> fireTimes() {
        return Stream.of(
                arguments("0 0 2 * * ?", "UTC", "2026-12-01T02:00:00Z 2026-12-02T02:00:00Z 2026-12-03T02:00:00Z"),
                arguments("0 2 * * *", "UTC", "2026-12-01T02:00:00Z 2026-12-02T02:00:00Z 2026-12-03T02:00:00Z"),
                arguments("@daily", "UTC", "2026-12-01T00:00:00Z 2026-12-02T00:00:00Z 2026-12-03T00:00:00Z"),
                arguments("*/20 * * * *", "UTC", "2026-11-30T15:20:00Z 2026-11-30T15:40:00Z 2026-11-30T16:00:00Z"),
                // Weekdays at 09:30 in Berlin (UTC+1 in winter); Saturday and Sunday are skipped.
                arguments("30 9 * * 1-5", "Europe/Berlin", "2026-12-01T08:30:00Z 2026-12-02T08:30:00Z 2026-12-03T08:30:00Z "
                        + "2026-12-04T08:30:00Z 2026-12-07T08:30:00Z"),
                arguments("0 30 9 ? * MON-FRI", "Europe/Berlin", "2026-12-01T08:30:00Z 2026-12-02T08:30:00Z 2026-12-03T08:30:00Z "
                        + "2026-12-04T08:30:00Z 2026-12-07T08:30:00Z"),
                // Unix counts Sunday as 0 and as 7; Friday to Sunday wraps past Saturday.
                arguments("0 0 * * 0", "UTC", "2026-12-06T00:00:00Z 2026-12-13T00:00:00Z"),
                arguments("0 0 * * 7", "UTC", "2026-12-06T00:00:00Z 2026-12-13T00:00:00Z"),
                arguments("0 0 * * 5-7", "UTC", "2026-12-04T00:00:00Z 2026-12-05T00:00:00Z 2026-12-06T00:00:00Z 2026-12-11T00:00:00Z"),
                arguments("0 0 * * */2", "UTC", "2026-12-01T00:00:00Z 2026-12-03T00:00:00Z 2026-12-05T00:00:00Z 2026-12-06T00:00:00Z"),
                arguments("0 3 1 * *", "UTC", "2026-12-01T03:00:00Z 2027-01-01T03:00:00Z"),
                arguments("0 0 12 1 1 ? 2027", "UTC", "2027-01-01T12:00:00Z"));
    }

    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("fireTimes")
    void firesWhenItsUsersMeanIt(String written, String zone, String expected) {
        List<Instant> want = Arrays.stream(expected.split(" ")).map(Instant::parse).toList();

        Cron cron = Cron.parse(written, zone);

        assertEquals(want, cron.nextFireTimes(MONDAY_AFTERNOON, want.size() + (written.endsWith("2027") ? 1 : 0)));
    }

    @Test
    void aUnixExpressionIsKeptAsWrittenBesideItsQuartzForm() {
        Cron cron = Cron.parse(" 30 9 * * 1-5 ", null);
        assertEquals("30 9 * * 1-5", cron.written());
        assertEquals("0 30 9 ? * MON-FRI", cron.quartzForm());
        assertEquals("UTC", cron.zone().getId());
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                arguments("", "UTC", "required"),
                arguments("0 2 * *", "UTC", "has 5 fields (Unix"),
                arguments("0 0 2 * * ? 2027 x", "UTC", "not 8"),
                arguments("0 0 1 * 1", "UTC", "either the day of the month (1) or the day of the week (1)"),
                arguments("0 0 * * 8", "UTC", "day of the week 8 is out of range"),
                arguments("61 * * * *", "UTC", "is not a valid cron expression"),
                arguments("0 0 2 * * * *", "UTC", "is not a valid cron expression"),
                arguments("@often", "UTC", "not a known shorthand"),
                arguments("0 0 12 1 1 ? 2020", "UTC", "never fires again"),
                arguments("0 2 * * *", "Mars/Olympus", "'Mars/Olympus' is not a time zone"));
    }

    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("refusals")
    void aBadExpressionIsRefusedWithItsReason(String written, String zone, String reason) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> Cron.parse(written, zone));
        assertTrue(refused.getMessage().contains(reason), refused.getMessage());
    }
}
