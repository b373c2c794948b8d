package dev.shelter.service.resources;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupMode;
import dev.shelter.runbooks.backup.BackupModeWindow;
import dev.shelter.runbooks.backup.BackupProtection;
import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.ServerIdentity;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.service.api.BackupListView;
import dev.shelter.service.api.StrictJson;
import dev.shelter.storage.snapshot.SnapshotRef;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedHashMap;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The page written from kept views is the page Jackson writes, byte for byte, whatever the views were before. */
class BackupListWriterTest {

    private static final Instant AT = Instant.parse("2026-12-02T10:15:00Z");

    private final ObjectMapper mapper = mapper();
    private final BackupListWriter writer = new BackupListWriter(mapper);
    private final KeptBackupJson kept = writer.kept();

    @Test
    void aPageIsWrittenAsTheMapperWritesIt() throws IOException {
        List<BackupManifest> listed = List.of(completed("20261202T101500Z-aaaaaa", "nightly 2026.12"), running("20261202T101400Z-bbbbbb"),
                completed("20261202T101300Z-cccccc", "weekly").protectedBy(new BackupProtection("keep for the audit", AT.plusSeconds(60))));
        BackupListView page = new BackupListView(listed.stream().map(kept::viewOf).toList(), 0, 3, 3);

        assertEquals(json(page), written(page));
        BackupListView again = new BackupListView(listed.stream().map(kept::viewOf).toList(), 0, 3, 3);
        assertSame(page.backups().get(0), again.backups().get(0), "the same manifest object has the same view");
        assertEquals(json(page), written(again), "and is written again from the kept JSON");
    }

    @Test
    void aBackupWhoseStateChangedIsWrittenAsItIsNow() throws IOException {
        BackupManifest running = running("20261202T101500Z-aaaaaa");
        written(new BackupListView(List.of(kept.viewOf(running)), 0, 50, 1));

        BackupListView later = new BackupListView(List.of(kept.viewOf(complete(running))), 0, 50, 1);

        String now = written(later);
        assertEquals(json(later), now);
        assertTrue(now.contains("\"state\":\"completed\""), now);
        assertFalse(now.contains("\"state\":\"running\""), now);
    }

    @Test
    void anEmptyPageKeepsItsCounts() throws IOException {
        BackupListView empty = new BackupListView(List.of(), 100, 50, 42);
        assertEquals(json(empty), written(empty));
    }

    private String json(BackupListView page) throws IOException {
        return mapper.writeValueAsString(page);
    }

    private String written(BackupListView page) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.writeTo(page, BackupListView.class, BackupListView.class, new Annotation[0], MediaType.APPLICATION_JSON_TYPE,
                new MultivaluedHashMap<>(), out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** As the service configures its mapper, with the modules on the class path (Dropwizard's stay out of this layer's tests). */
    private static ObjectMapper mapper() {
        ObjectMapper mapper = StrictJson.configure(new ObjectMapper().findAndRegisterModules());
        mapper.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        return mapper;
    }

    private static BackupManifest running(String id) {
        return BackupManifest.running(new BackupRequest(new BackupId(id), new ClusterName("main"), BackupMode.ONLINE, "nightly", true,
                AT));
    }

    private static BackupManifest completed(String id, String label) {
        return complete(BackupManifest.running(new BackupRequest(new BackupId(id), new ClusterName("main"), BackupMode.ONLINE, label,
                true, AT)));
    }

    private static BackupManifest complete(BackupManifest running) {
        return running.withServer(new ServerIdentity(150010, SystemIdentifier.parse("7301234567890123456"), 16L << 20), 1L << 20)
                .withWindow(new BackupModeWindow(Lsn.parse("0/3000028"), Lsn.parse("0/3000100"), new Timeline(1),
                        "START WAL LOCATION: 0/3000028 \"quoted\"\nLABEL: nächtlich ✓\n", "",
                        AT.plusMillis(200), AT.plusMillis(900)))
                .withSnapshots(List.of(new VolumeSnapshot(VolumeRole.PGDATA, "pgdata",
                        new SnapshotRef("/var/lib/postgresql/15/main", running.id().snapshotName()))))
                .completed(AT.plusSeconds(5));
    }
}
