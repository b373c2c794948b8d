package dev.shelter.scheduler.quartz;

import dev.shelter.scheduler.Cron;
import dev.shelter.scheduler.Fire;
import dev.shelter.scheduler.FireOutcome;
import dev.shelter.scheduler.FireRecord;
import dev.shelter.scheduler.FireState;
import dev.shelter.scheduler.InMemoryFireLedger;
import dev.shelter.scheduler.Schedule;
import dev.shelter.scheduler.ScheduleId;
import dev.shelter.scheduler.ScheduleKind;
import dev.shelter.scheduler.ScheduledWork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Real Quartz (in-memory store), firing every second: what runs, what is claimed once, what is skipped. */
class QuartzSchedulesTest {

    private static final Duration BOUND = Duration.ofSeconds(30);
    private final List<QuartzSchedules> started = new ArrayList<>();

    @AfterEach
    void stopSchedulers() {
        started.forEach(QuartzSchedules::close);
    }

    @Test
    void aScheduleRunsAtEachOfItsFireTimes() {
        InMemoryFireLedger ledger = new InMemoryFireLedger();
        ConcurrentLinkedQueue<Fire> performed = new ConcurrentLinkedQueue<>();
        QuartzSchedules schedules = start("replica-a", fire -> {
            performed.add(fire);
            return FireOutcome.ran("backup of " + fire.schedule().cluster());
        }, ledger);
        Schedule everySecond = schedule("* * * * * ?", Duration.ofSeconds(5));
        schedules.put(everySecond);

        await(() -> performed.size() >= 3, "three fires");

        List<Instant> times = performed.stream().map(Fire::scheduledAt).toList();
        assertEquals(times.size(), new HashSet<>(times).size(), "each fire time once: " + times);
        times.forEach(time -> assertEquals(0, time.getNano(), "fire times are whole seconds: " + time));
        Fire first = performed.peek();
        assertEquals(everySecond, first.schedule());
        assertEquals("replica-a", first.replica());
        FireRecord recorded = ledger.recent(everySecond.id(), 100).stream()
                .filter(fire -> fire.scheduledAt().equals(first.scheduledAt())).findFirst().orElseThrow();
        assertEquals(FireState.RAN, recorded.state());
        assertEquals("backup of main", recorded.detail());
    }

    /** Two schedulers fire the same schedule (as a clustered Quartz can): each fire time is performed once. */
    @Test
    void aFireTimeClaimedByOneReplicaIsNotPerformedByAnother() {
        InMemoryFireLedger ledger = new InMemoryFireLedger();
        ConcurrentLinkedQueue<Fire> performed = new ConcurrentLinkedQueue<>();
        ScheduledWork work = fire -> {
            performed.add(fire);
            return FireOutcome.ran("ok");
        };
        Schedule everySecond = schedule("* * * * * ?", Duration.ofSeconds(5));
        start("replica-a", work, ledger).put(everySecond);
        start("replica-b", work, ledger).put(everySecond);

        await(() -> performed.size() >= 6, "six fires");

        List<Instant> times = performed.stream().map(Fire::scheduledAt).toList();
        assertEquals(times.size(), new HashSet<>(times).size(), "a fire time performed twice: " + times);
    }

    /** Work that outlasts the interval: the fires it made late are skipped and recorded, never run in a burst. */
    @Test
    void firesLaterThanTheGraceAreRecordedAsMissedNotRunInABurst() {
        InMemoryFireLedger ledger = new InMemoryFireLedger();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        ConcurrentLinkedQueue<Instant> performed = new ConcurrentLinkedQueue<>();
        QuartzSchedules schedules = start("replica-a", fire -> {
            if (running.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            performed.add(fire.scheduledAt());
            Instant until = Instant.now().plusMillis(3_500);
            while (Instant.now().isBefore(until)) {
                Thread.onSpinWait();
            }
            running.decrementAndGet();
            return FireOutcome.ran("slow");
        }, ledger);
        Schedule everySecond = schedule("* * * * * ?", Duration.ofSeconds(1));
        schedules.put(everySecond);

        await(() -> ledger.recent(everySecond.id(), 100).stream().filter(fire -> fire.state() == FireState.MISSED).count() >= 3
                && performed.size() >= 2, "missed fires after two slow runs");

        assertEquals(0, overlaps.get(), "one schedule's fires never overlap");
        List<FireRecord> fires = ledger.recent(everySecond.id(), 100);
        for (FireRecord fire : fires) {
            if (fire.state() == FireState.MISSED) {
                assertTrue(fire.detail().startsWith("late by") || fire.detail().startsWith("a later fire time"), fire.detail());
                assertFalse(performed.contains(fire.scheduledAt()), "a missed fire was performed: " + fire);
            }
        }
        List<Instant> ran = new ArrayList<>(performed);
        for (int i = 1; i < ran.size(); i++) {
            assertTrue(Duration.between(ran.get(i - 1), ran.get(i)).toMillis() >= 3_000,
                    "after a slow run the next runs at a fire time of its own, not a late one: " + ran);
        }
    }

    @Test
    void aPausedScheduleDoesNotFireAndPauseAndResumeAreIdempotent() {
        InMemoryFireLedger ledger = new InMemoryFireLedger();
        ConcurrentLinkedQueue<Instant> performed = new ConcurrentLinkedQueue<>();
        QuartzSchedules schedules = start("replica-a", fire -> {
            performed.add(fire.scheduledAt());
            return FireOutcome.ran("ok");
        }, ledger);
        Schedule everySecond = schedule("* * * * * ?", Duration.ofSeconds(5));
        schedules.put(everySecond);
        await(() -> !performed.isEmpty(), "a first fire");

        assertTrue(schedules.pause(everySecond.id()));
        assertTrue(schedules.pause(everySecond.id()));
        Instant pausedAt = Instant.now();
        int firesAtPause = performed.size();
        assertTrue(schedules.find(everySecond.id()).orElseThrow().paused());
        assertEquals(List.of(), schedules.nextFireTimes(everySecond.id(), pausedAt, 3));
        await(() -> Instant.now().isAfter(pausedAt.plusMillis(3_500)), "three fire times to pass");
        assertTrue(performed.size() <= firesAtPause + 1, "at most a fire already under way when paused; then none: " + performed);

        assertTrue(schedules.resume(everySecond.id()));
        assertTrue(schedules.resume(everySecond.id()));
        int firesAtResume = performed.size();
        await(() -> performed.size() >= firesAtResume + 2, "fires after the resume");
        assertFalse(schedules.find(everySecond.id()).orElseThrow().paused());
        assertTrue(performed.stream().noneMatch(time -> time.isAfter(pausedAt.plusMillis(1_000)) && time.isBefore(pausedAt.plusMillis(3_000))),
                "no fire time of the pause ran after the resume: " + performed);
    }

    @Test
    void aScheduleReadsBackAsItWasPutAndCanBeReplacedAndRemoved() {
        QuartzSchedules schedules = start("replica-a", fire -> FireOutcome.ran("ok"), new InMemoryFireLedger());
        Schedule nightly = new Schedule(ScheduleId.random(), "main", ScheduleKind.BACKUP, Cron.parse("30 2 * * 1-5", "Europe/Berlin"),
                Duration.ofMinutes(15), true, Map.of("mode", "online", "label", "nightly"));
        Schedule sweep = new Schedule(ScheduleId.random(), "other", ScheduleKind.RETENTION_SWEEP, Cron.parse("0 0 4 * * ?", null),
                Duration.ofHours(1), false, Map.of());
        schedules.put(nightly);
        schedules.put(sweep);

        assertEquals(nightly, schedules.find(nightly.id()).orElseThrow());
        assertEquals(Set.of(nightly, sweep), Set.copyOf(schedules.all()));
        Schedule replaced = new Schedule(nightly.id(), "main", ScheduleKind.BACKUP, Cron.parse("0 3 * * *", "UTC"), Duration.ofMinutes(5),
                false, Map.of("mode", "offline"));
        schedules.put(replaced);
        assertEquals(replaced, schedules.find(nightly.id()).orElseThrow());
        assertEquals(List.of(Instant.parse("2026-12-01T03:00:00Z")),
                schedules.nextFireTimes(nightly.id(), Instant.parse("2026-11-30T15:00:00Z"), 1));

        assertTrue(schedules.remove(nightly.id()));
        assertFalse(schedules.remove(nightly.id()));
        assertTrue(schedules.find(nightly.id()).isEmpty());
        assertFalse(schedules.pause(nightly.id()));
        assertFalse(schedules.resume(nightly.id()));
        assertEquals(List.of(sweep), schedules.all());
    }

    @Test
    void quartzsTablesAreCreatedIdempotentlyInTheirOwnSchema() {
        List<String> statements = QuartzTables.statements();
        assertEquals(11, statements.stream().filter(sql -> sql.startsWith("CREATE TABLE IF NOT EXISTS shelter_quartz.QRTZ_")).count());
        assertTrue(statements.stream().allMatch(sql -> sql.startsWith("CREATE TABLE IF NOT EXISTS shelter_quartz.")
                || sql.startsWith("CREATE INDEX IF NOT EXISTS IDX_QRTZ_") && sql.contains(" ON shelter_quartz.QRTZ_")), statements.toString());
        assertTrue(statements.stream().noneMatch(sql -> sql.contains("REFERENCES QRTZ_")), "foreign keys point into the schema");
    }

    private QuartzSchedules start(String replica, ScheduledWork work, InMemoryFireLedger ledger) {
        QuartzSchedules schedules = QuartzSchedules.start(new QuartzStore.InMemory(), replica, 2, Duration.ofMinutes(10), work, ledger,
                Clock.systemUTC());
        started.add(schedules);
        return schedules;
    }

    private static Schedule schedule(String cron, Duration grace) {
        return new Schedule(ScheduleId.random(), "main", ScheduleKind.BACKUP, Cron.parse(cron, "UTC"), grace, false, Map.of("mode", "online"));
    }

    private static void await(BooleanSupplier condition, String what) {
        Instant deadline = Instant.now().plus(BOUND);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                fail("not within " + BOUND + ": " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }
}
