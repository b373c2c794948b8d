package dev.shelter.service.schedules;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shelter.runbooks.catalog.ChecksummedJson;
import dev.shelter.runbooks.catalog.TwinDocuments;
import dev.shelter.scheduler.Cron;
import dev.shelter.scheduler.Schedule;
import dev.shelter.scheduler.ScheduleId;
import dev.shelter.scheduler.ScheduleKind;
import dev.shelter.service.core.ScheduleDocuments;
import dev.shelter.storage.blob.BlobStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code schedules/<id>.json} and its twin, checksummed like every Shelter document. */
public final class BlobScheduleDocuments implements ScheduleDocuments {

    private static final String PREFIX = "schedules/";

    /** The stored form: plain fields, so that the document reads the same in any later version. */
    record Document(@JsonProperty("id") String id, @JsonProperty("cluster") String cluster, @JsonProperty("kind") String kind,
                    @JsonProperty("cron") String cron, @JsonProperty("timeZone") String timeZone,
                    @JsonProperty("misfireGraceSeconds") long misfireGraceSeconds, @JsonProperty("paused") boolean paused,
                    @JsonProperty("parameters") Map<String, String> parameters) {

        static Document of(Schedule schedule) {
            return new Document(schedule.id().value(), schedule.cluster(), schedule.kind().wireName(), schedule.cron().written(),
                    schedule.cron().zone().getId(), schedule.misfireGrace().toSeconds(), schedule.paused(), schedule.parameters());
        }

        Schedule schedule() {
            return new Schedule(new ScheduleId(id), cluster, ScheduleKind.fromWireName(kind), Cron.parse(cron, timeZone),
                    Duration.ofSeconds(misfireGraceSeconds), paused, parameters == null ? Map.of() : parameters);
        }
    }

    private final TwinDocuments<Schedule> documents;

    public BlobScheduleDocuments(BlobStore store) {
        ChecksummedJson envelope = new ChecksummedJson(new ObjectMapper(), "shelter-schedule", 1, "schedule");
        this.documents = new TwinDocuments<>(store, ".json", ".json.copy", schedule -> {
            try {
                return envelope.encode(Document.of(schedule));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, bytes -> envelope.decode(bytes, Document.class).schedule());
    }

    @Override
    public void put(Schedule schedule) {
        documents.put(PREFIX + schedule.id().value(), schedule);
    }

    @Override
    public Optional<Schedule> find(ScheduleId id) {
        return documents.read(PREFIX + id.value());
    }

    @Override
    public List<Schedule> all() {
        return documents.readAll(PREFIX).stream().sorted(Comparator.comparing(schedule -> schedule.id().value())).toList();
    }

    @Override
    public void delete(ScheduleId id) {
        documents.delete(PREFIX + id.value());
    }
}
