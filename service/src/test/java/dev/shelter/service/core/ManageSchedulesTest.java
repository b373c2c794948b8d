package dev.shelter.service.core;

import dev.shelter.scheduler.Cron;
import dev.shelter.scheduler.FireOutcome;
import dev.shelter.scheduler.InMemoryFireLedger;
import dev.shelter.scheduler.Schedule;
import dev.shelter.scheduler.ScheduleId;
import dev.shelter.scheduler.ScheduleKind;
import dev.shelter.scheduler.quartz.QuartzSchedules;
import dev.shelter.scheduler.quartz.QuartzStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** At start Quartz is made to agree with the schedules' documents: the documents are the truth. */
class ManageSchedulesTest {

    private final QuartzSchedules quartz = QuartzSchedules.open(new QuartzStore.InMemory(), "test", 1, Duration.ofMinutes(10),
            fire -> FireOutcome.ran("not fired: the scheduler is never started"), new InMemoryFireLedger(), Clock.systemUTC());

    @AfterEach
    void closeQuartz() {
        quartz.close();
    }

    @Test
    void synchronizingPutsEveryDocumentedScheduleAsDocumentedAndRemovesTheRest() {
        DocumentsInMemory documents = new DocumentsInMemory();
        Schedule documented = schedule("0 2 * * *", false);
        Schedule pausedInItsDocument = schedule("0 3 * * *", true);
        Schedule changedSinceQuartzHadIt = schedule("0 4 * * *", false);
        Schedule deletedButStillInQuartz = schedule("0 5 * * *", false);
        documents.put(documented);
        documents.put(pausedInItsDocument);
        documents.put(changedSinceQuartzHadIt);
        quartz.put(pausedInItsDocument.pausedAs(false));
        quartz.put(new Schedule(changedSinceQuartzHadIt.id(), "main", ScheduleKind.BACKUP, Cron.parse("0 9 * * *", "UTC"),
                Duration.ofMinutes(15), false, Map.of("mode", "online")));
        quartz.put(deletedButStillInQuartz);

        new ManageSchedules(new ClusterRegistry(List.of()), null, documents, quartz, new InMemoryFireLedger(), Duration.ofMinutes(15),
                Duration.ofHours(1), Clock.systemUTC()).synchronize();

        assertEquals(List.copyOf(documents.byId.values()).stream().sorted((a, b) -> a.id().value().compareTo(b.id().value())).toList(),
                quartz.all());
        assertTrue(quartz.find(pausedInItsDocument.id()).orElseThrow().paused());
        assertTrue(quartz.find(deletedButStillInQuartz.id()).isEmpty());
    }

    private static Schedule schedule(String cron, boolean paused) {
        return new Schedule(ScheduleId.random(), "main", ScheduleKind.BACKUP, Cron.parse(cron, "UTC"), Duration.ofMinutes(15), paused,
                Map.of("mode", "online"));
    }

    /** The documents' port over a map: only the logic above is under test here. */
    private static final class DocumentsInMemory implements ScheduleDocuments {

        private final Map<ScheduleId, Schedule> byId = new LinkedHashMap<>();

        @Override
        public void put(Schedule schedule) {
            byId.put(schedule.id(), schedule);
        }

        @Override
        public Optional<Schedule> find(ScheduleId id) {
            return Optional.ofNullable(byId.get(id));
        }

        @Override
        public List<Schedule> all() {
            return new ArrayList<>(byId.values());
        }

        @Override
        public void delete(ScheduleId id) {
            byId.remove(id);
        }
    }
}
