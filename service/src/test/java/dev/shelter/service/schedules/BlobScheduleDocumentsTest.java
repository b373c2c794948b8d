package dev.shelter.service.schedules;

import dev.shelter.scheduler.Cron;
import dev.shelter.scheduler.Schedule;
import dev.shelter.scheduler.ScheduleId;
import dev.shelter.scheduler.ScheduleKind;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Schedules as documents on a real filesystem store: read back exactly, twice kept, a torn copy survived. */
class BlobScheduleDocumentsTest {

    @TempDir
    Path store;

    @Test
    void aScheduleReadsBackExactlyAndATornMainCopyFallsBackToItsTwin() throws Exception {
        Schedule nightly = new Schedule(ScheduleId.random(), "main", ScheduleKind.BACKUP, Cron.parse("30 2 * * 1-5", "Europe/Berlin"),
                Duration.ofMinutes(15), true, Map.of("mode", "offline", "label", "nightly"));
        Schedule hourly = new Schedule(ScheduleId.random(), "other", ScheduleKind.BACKUP, Cron.parse("0 0 * * * ?", null),
                Duration.ofSeconds(30), false, Map.of());
        try (FsBlobStore blobs = FsBlobStore.open(new FsBlobStoreConfig(store))) {
            BlobScheduleDocuments documents = new BlobScheduleDocuments(blobs);
            documents.put(nightly);
            documents.put(hourly);

            assertEquals(nightly, documents.find(nightly.id()).orElseThrow());
            assertEquals(List.of(nightly, hourly).stream().sorted((a, b) -> a.id().value().compareTo(b.id().value())).toList(),
                    documents.all());

            Path main = store.resolve("schedules/" + nightly.id().value() + ".json");
            assertTrue(Files.readString(main, StandardCharsets.UTF_8).contains("\"sha256\""), "checksummed like every document");
            Files.writeString(main, "{\"format\": \"shelter-sched");
            assertEquals(nightly, new BlobScheduleDocuments(blobs).find(nightly.id()).orElseThrow(), "read from its twin");

            documents.delete(nightly.id());
            assertTrue(documents.find(nightly.id()).isEmpty());
            assertEquals(List.of(hourly), documents.all());
        }
    }
}
