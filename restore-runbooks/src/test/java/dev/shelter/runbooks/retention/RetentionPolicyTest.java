package dev.shelter.runbooks.retention;

import dev.shelter.runbooks.backup.BackupId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Retention over a simulated clock: which backups each policy keeps, and that a kept set never leaves a hole in the window. */
class RetentionPolicyTest {

    private static final Instant NEW_YEAR_2026 = Instant.parse("2026-01-01T00:00:00Z");

    /** One backup ending at half past every hour of 2025: 8,760 backups. */
    private static List<RetainedBackup> hourlyBackupsOf2025() {
        List<RetainedBackup> backups = new ArrayList<>();
        for (Instant end = Instant.parse("2025-01-01T00:30:00Z"); end.isBefore(NEW_YEAR_2026); end = end.plus(Duration.ofHours(1))) {
            backups.add(backup(end));
        }
        return backups;
    }

    /**
     * A year of hourly backups under 24 hourly, 7 daily, 4 weekly, 12 monthly and 2 yearly: the set
     * below is worked out by hand from the calendar (2025-12-31 is a Wednesday; ISO weeks start on Monday).
     */
    @Test
    void aYearOfHourlyBackupsUnderGrandfatherFatherSonLeavesExactlyTheCalendarSet() {
        RetentionPolicy policy = new RetentionPolicy(new CalendarBuckets(24, 7, 4, 12, 2), 0);

        RetentionDecision decision = policy.decide(hourlyBackupsOf2025(), NEW_YEAR_2026);

        TreeSet<Instant> expected = new TreeSet<>();
        for (int hour = 0; hour < 24; hour++) {
            expected.add(Instant.parse(String.format("2025-12-31T%02d:30:00Z", hour)));
        }
        for (String day : List.of("12-25", "12-26", "12-27", "12-28", "12-29", "12-30")) {
            expected.add(Instant.parse("2025-" + day + "T23:30:00Z"));
        }
        // Weeks of Monday 29 Dec (its newest is 31 Dec, kept), 22 Dec (Sunday 28th, kept), 15 Dec, 8 Dec.
        expected.add(Instant.parse("2025-12-21T23:30:00Z"));
        expected.add(Instant.parse("2025-12-14T23:30:00Z"));
        for (String lastDay : List.of("01-31", "02-28", "03-31", "04-30", "05-31", "06-30", "07-31", "08-31", "09-30", "10-31",
                "11-30")) {
            expected.add(Instant.parse("2025-" + lastDay + "T23:30:00Z"));
        }
        assertEquals(43, expected.size());
        assertEquals(expected, ends(decision.kept()));
        assertEquals(8760 - 43, decision.deleted().size());
        RetentionDecision.Verdict newest = decision.verdicts().get(0);
        assertEquals(List.of("newest of hour 2025-12-31T23:00Z (1 of 24); newest of day 2025-12-31 (1 of 7); "
                + "newest of week week of 2025-12-29 (1 of 4); newest of month 2025-12 (1 of 12); newest of year 2025 (1 of 2)"),
                newest.reasons());
    }

    /** Sweeping every hour as the year goes by keeps, at the end, exactly what one sweep at the end keeps. */
    @Test
    void hourlySweepsThroughTheYearEndWhereOneSweepEnds() {
        RetentionPolicy policy = new RetentionPolicy(new CalendarBuckets(24, 7, 4, 12, 2), 0);
        List<RetainedBackup> all = hourlyBackupsOf2025();
        List<RetainedBackup> stored = new ArrayList<>();
        for (RetainedBackup backup : all) {
            stored.add(backup);
            Instant now = backup.endedAt().plusSeconds(60);
            stored = new ArrayList<>(policy.decide(stored, now).kept());
        }
        assertEquals(ends(policy.decide(all, NEW_YEAR_2026).kept()), ends(stored));
    }

    static Stream<Arguments> keepLastCases() {
        return Stream.of(arguments(1, 1), arguments(3, 3), arguments(10, 5));
    }

    @ParameterizedTest
    @MethodSource("keepLastCases")
    void keepLastKeepsTheNewestByEndTime(int count, int expectedKept) {
        List<RetainedBackup> five = List.of(backup("2026-03-05T00:00:00Z"), backup("2026-03-01T00:00:00Z"),
                backup("2026-03-04T00:00:00Z"), backup("2026-03-02T00:00:00Z"), backup("2026-03-03T00:00:00Z"));

        RetentionDecision decision = new RetentionPolicy(new KeepLast(count), 0).decide(five, NEW_YEAR_2026);

        List<Instant> kept = decision.kept().stream().map(RetainedBackup::endedAt).toList();
        assertEquals(expectedKept, kept.size());
        assertEquals(five.stream().map(RetainedBackup::endedAt).sorted(Comparator.reverseOrder()).limit(expectedKept).toList(), kept);
    }

    /** wal-g#636: after a pg_upgrade the newest backups had the "smallest" names. The order is by end time only. */
    @Test
    void anIdThatSortsFirstDoesNotMakeABackupOld() {
        RetainedBackup newestByEnd = new RetainedBackup(new BackupId("20200101T000000Z-000000"), Instant.parse("2026-03-02T00:00:00Z"), false);
        RetainedBackup olderByEnd = new RetainedBackup(new BackupId("20990101T000000Z-ffffff"), Instant.parse("2026-03-01T00:00:00Z"), false);

        RetentionDecision decision = new RetentionPolicy(new KeepLast(1), 0).decide(List.of(olderByEnd, newestByEnd), NEW_YEAR_2026);

        assertEquals(List.of(newestByEnd), decision.kept());
        assertEquals(List.of(olderByEnd), decision.deleted());
    }

    @Test
    void theRecoveryWindowKeepsTheNewestBackupBeforeItsStartAndEverythingAfter() {
        Instant now = Instant.parse("2026-03-10T12:00:00Z");
        RetainedBackup beforeAnchor = backup("2026-03-02T00:00:00Z");
        RetainedBackup anchor = backup("2026-03-03T12:00:00Z"); // exactly now - 7 days: the window's first moment needs it
        RetainedBackup inside = backup("2026-03-03T12:00:01Z");
        RetainedBackup newest = backup("2026-03-10T11:00:00Z");

        RetentionDecision decision = new RetentionPolicy(new RecoveryWindow(Duration.ofDays(7)), 0)
                .decide(List.of(beforeAnchor, anchor, inside, newest), now);

        assertEquals(List.of(newest, inside, anchor), decision.kept());
        assertEquals(List.of(beforeAnchor), decision.deleted());
        assertTrue(decision.verdicts().get(3).reasons().get(0).startsWith("not kept by the policy"));
    }

    /** A month of irregular backups, swept every hour: every moment of the window keeps a backup that ended at or before it. */
    @Test
    void sweepsNeverLeaveAMomentOfTheWindowWithoutABackupBeforeIt() {
        Duration window = Duration.ofDays(3);
        RetentionPolicy policy = new RetentionPolicy(new RecoveryWindow(window), 0);
        Random gaps = new Random(42);
        List<RetainedBackup> stored = new ArrayList<>();
        Instant firstEnd = Instant.parse("2026-02-01T00:00:00Z");
        Instant end = firstEnd;
        for (Instant now = firstEnd; now.isBefore(Instant.parse("2026-03-01T00:00:00Z")); now = now.plus(Duration.ofHours(1))) {
            while (!end.isAfter(now)) {
                stored.add(backup(end));
                end = end.plus(Duration.ofMinutes(30 + gaps.nextInt(60 * 20)));
            }
            stored = new ArrayList<>(policy.decide(stored, now).kept());
            for (Instant moment = now.minus(window); !moment.isAfter(now); moment = moment.plus(Duration.ofMinutes(10))) {
                Instant at = moment;
                if (!at.isBefore(firstEnd)) {
                    assertTrue(stored.stream().anyMatch(kept -> !kept.endedAt().isAfter(at)), "no backup left for " + at + " at " + now);
                }
            }
        }
    }

    @Test
    void theMinimumIsKeptWhateverTheRuleSaysAndProtectedBackupsAreNeverDeleted() {
        Instant now = Instant.parse("2026-06-01T00:00:00Z");
        RetainedBackup oldProtected = new RetainedBackup(BackupId.startingAt(Instant.parse("2025-01-01T00:00:00Z")),
                Instant.parse("2025-01-01T01:00:00Z"), true);
        RetainedBackup old = backup("2026-01-01T00:00:00Z");
        RetainedBackup older = backup("2025-12-01T00:00:00Z");
        RetainedBackup oldest = backup("2025-11-01T00:00:00Z");

        RetentionDecision decision = new RetentionPolicy(new RecoveryWindow(Duration.ofDays(1)), 2)
                .decide(List.of(oldest, oldProtected, old, older), now);

        assertEquals(List.of(old, older, oldProtected), decision.kept(), "a one-day window keeps one; the minimum keeps two");
        assertEquals(List.of(oldest), decision.deleted());
        assertEquals(List.of("one of the 2 kept whatever the policy says"), decision.verdicts().get(1).reasons());
        assertEquals(List.of("protected"), decision.verdicts().get(3).reasons());
    }

    @Test
    void policiesThatWouldKeepNothingAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new KeepLast(0));
        assertThrows(IllegalArgumentException.class, () -> new CalendarBuckets(0, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new CalendarBuckets(1, -1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new RecoveryWindow(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new RetentionPolicy(new KeepLast(1), -1));
    }

    @Test
    void aBackupListedTwiceIsRefusedRatherThanJudgedTwice() {
        RetainedBackup once = backup("2026-01-01T00:00:00Z");
        assertThrows(IllegalArgumentException.class,
                () -> new RetentionPolicy(new KeepLast(1), 0).decide(List.of(once, once), NEW_YEAR_2026));
    }

    @Test
    void nothingToJudgeDecidesNothing() {
        RetentionDecision decision = new RetentionPolicy(new KeepLast(3), 1).decide(List.of(), NEW_YEAR_2026);
        assertTrue(decision.verdicts().isEmpty());
        assertFalse(decision.deleted().iterator().hasNext());
    }

    private static RetainedBackup backup(String end) {
        return backup(Instant.parse(end));
    }

    /** The id is made from a start an hour before the end, as a real backup's would be. */
    private static RetainedBackup backup(Instant end) {
        return new RetainedBackup(BackupId.startingAt(end.minus(Duration.ofHours(1))), end, false);
    }

    private static TreeSet<Instant> ends(List<RetainedBackup> backups) {
        TreeSet<Instant> ends = new TreeSet<>();
        backups.forEach(backup -> ends.add(backup.endedAt()));
        return ends;
    }
}
