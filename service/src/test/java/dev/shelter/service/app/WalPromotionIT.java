package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.wal.TimelineHistory;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.RealS3;
import dev.shelter.testing.S3Server;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failover under the receiver, on real PostgreSQL 15: a streaming standby on loopback is promoted
 * after its primary crashes. The receiver, configured with both servers, finds the new primary,
 * archives 00000002.history byte for byte, streams what it had not yet made durable of timeline 1
 * from the new primary, and follows timeline 2, with no gap across the switch. A restore from a
 * backup taken on timeline 1 then replays, from Shelter alone, across the switch to the last commit.
 */
@RealPostgresBinaries
@RealS3
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WalPromotionIT {

    private static final String TOKEN = "wal-promotion-it-operator-token";
    private static final Pattern OBJECT_KEY = Pattern.compile("wal/main/\\d+/0001/([0-9A-F]{8})/([0-9A-F.a-z]+)\\.zst");

    private final PostgresBinaries binaries;
    private final S3Server s3;
    private ScratchDirectory scratch;
    private String bucket;
    private PostgresInstance primary;
    private PostgresInstance standby;
    private InProcessShelter shelter;
    private ShelterClient client;
    private Path tokenFile;

    WalPromotionIT(PostgresBinaries binaries, S3Server s3) {
        this.binaries = binaries;
        this.s3 = s3;
    }

    @BeforeAll
    void startPrimaryStandbyAndShelter() throws Exception {
        scratch = ScratchDirectory.create("shelter-wal-promotion-it");
        bucket = s3.createBucket("wal-promotion");
        primary = PostgresInstance.create(binaries, scratch.resolve("primary"));
        tokenFile = scratch.resolve("primary/token");
        Files.writeString(tokenFile, TOKEN + "\n");
        PostgresInstance.chownToServerUser(tokenFile);
        primary.start();
        Ledger.create(primary);
        standby = PostgresInstance.createStandby(primary, scratch.resolve("standby"));
        standby.start();
        primary.awaitTrue("SELECT count(*) = 1 FROM pg_stat_replication WHERE application_name = 'standby' AND state = 'streaming'",
                Duration.ofSeconds(30));
        Path config = scratch.resolve("shelter.yml");
        // Both servers in the URL: Shelter works with whichever is the primary. A long flush interval
        // leaves the last seconds of timeline 1 not yet durable when the primary crashes.
        Files.writeString(config, InProcessShelter.header(InProcessShelter.operator(TOKEN)) + """
                clusters:
                  - name: main
                    target: {kind: local, dataDirectory: "%s", binDirectory: "%s"}
                    postgres: {jdbcUrl: "jdbc:postgresql://127.0.0.1:%d,127.0.0.1:%d/postgres", user: postgres, password: "%s"}
                    volumes: [{role: pgdata, source: "%s"}]
                    snapshots: {kind: local-directory, directory: "%s"}
                    walArchive: {receiver: {enabled: true, flushIntervalMillis: 3000}}
                    backups: {walTimeoutSeconds: 60}
                %s
                """.formatted(primary.dataDirectory(), binaries.directory(), primary.port(), standby.port(), primary.password(),
                primary.dataDirectory(), scratch.resolve("snapshots"), InProcessShelter.s3ObjectStore(s3, bucket, scratch.resolve("s3-secret"))));
        shelter = InProcessShelter.startOn(config, TOKEN);
        client = shelter.client();
    }

    @AfterAll
    void stopEverything() {
        try {
            if (shelter != null) {
                shelter.close();
            }
            if (standby != null) {
                standby.close();
            }
            if (primary != null) {
                primary.close();
            }
        } finally {
            if (bucket != null) {
                s3.deleteBucket(bucket);
            }
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    @Test
    void followsThePromotedStandbyWithoutAGapAndARestoreReplaysAcrossTheSwitch() throws Exception {
        primary.awaitTrue("SELECT active FROM pg_replication_slots WHERE slot_name = 'shelter_main'", Duration.ofSeconds(30));
        Ledger.insert(primary, "before", 2000);
        ShelterClient.Answer started = client.post("/api/v1/clusters/main/backups", "{\"label\":\"it promotion\"}");
        assertEquals(202, started.status(), started.text());
        JsonNode backup = client.awaitEnd(started.body().path("id").asText());
        assertEquals("completed", backup.path("state").asText(), backup.toString());

        for (int batch = 0; batch < 4; batch++) {
            Ledger.insert(primary, "on 1, " + batch, 20000);
            if (batch % 2 == 0) {
                primary.queryValue("SELECT pg_switch_wal()::text");
            }
        }
        Ledger.insert(primary, "last on 1", 1);
        String sent = primary.queryValue("SELECT pg_current_wal_lsn()::text");
        standby.awaitTrue("SELECT pg_last_wal_replay_lsn() >= '" + sent + "'::pg_lsn", Duration.ofSeconds(30));
        // Timeline 1's whole segments are compared with the primary's own archive below: let its
        // archiver copy them before the crash (the receiver meanwhile still holds the tail in memory).
        String lastWholeOn1 = primary.queryValue("SELECT pg_walfile_name(pg_current_wal_lsn() - "
                + "(pg_current_wal_lsn() - '0/0'::pg_lsn) % 16777216 - 1)");
        primary.awaitTrue("SELECT last_archived_wal >= '" + lastWholeOn1 + "' FROM pg_stat_archiver",
                ArchiveRestore.ARCHIVER_TIMEOUT);
        primary.stopImmediately(); // a crash: the receiver loses what it held in memory, the standby has it
        standby.promote();
        Ledger.insert(standby, "on 2", 20000);
        standby.queryValue("SELECT pg_switch_wal()::text");
        Lsn beforeLastCommit = Lsn.parse(standby.queryValue("SELECT pg_current_wal_lsn()::text"));
        Ledger.insert(standby, "last on 2", 1);
        Lsn lastCommit = Lsn.parse(standby.queryValue("SELECT pg_current_wal_lsn()::text"));
        standby.awaitTrue("SELECT flush_lsn >= '" + lastCommit + "'::pg_lsn FROM pg_stat_replication "
                + "WHERE application_name = 'shelter-wal-receiver'", Duration.ofSeconds(90));
        String digest = Ledger.digest(standby);

        JsonNode wal = awaitStatusOnTimeline2();
        JsonNode receiver = wal.path("receiver");
        assertEquals("streaming", receiver.path("state").asText(), wal.toString());
        assertEquals("127.0.0.1:" + standby.port(), receiver.path("server").asText(), "streams from the new primary: " + wal);
        JsonNode timelines = wal.path("timelines");
        assertEquals(2, timelines.size(), wal.toString());
        assertEquals(1, timelines.get(0).path("timeline").asInt());
        assertEquals(0, timelines.get(0).path("gaps").size(), "timeline 1 whole up to the switch: " + wal);
        assertEquals(2, timelines.get(1).path("timeline").asInt());
        assertEquals(0, timelines.get(1).path("gaps").size(), "timeline 2 whole from the switch: " + wal);

        byte[] history = client.walFile("main", "00000002.history");
        assertArrayEquals(Files.readAllBytes(standby.dataDirectory().resolve("pg_wal/00000002.history")), history,
                "the history file as PostgreSQL wrote it");
        TimelineHistory timeline2 = TimelineHistory.parse(new Timeline(2), history);
        Lsn switchpoint = timeline2.endOf(new Timeline(1)).orElseThrow();
        String switchSegment = segmentName(2, switchpoint.value() >>> 24);
        assertEquals(switchSegment, timelines.get(1).path("firstSegment").asText(), "timeline 2 from the segment it began in");
        assertEquals(segmentName(1, (switchpoint.value() >>> 24) - 1), timelines.get(0).path("lastSegment").asText(),
                "timeline 1 through the segment before the switch: " + wal);

        // Every whole segment of both timelines in the store, against the archive of the server that wrote it.
        List<String> timeline1Segments = objects("00000001").stream().filter(name -> name.length() == 24).toList();
        ArchiveRestore.assertConsecutive(timeline1Segments);
        ArchiveRestore.assertEachArchivedByPostgresAlike(timeline1Segments, primary.archiveDirectory(),
                segment -> client.walFile("main", segment));
        List<String> timeline2Segments = objects("00000002").stream().filter(name -> name.length() == 24).toList();
        ArchiveRestore.assertConsecutive(timeline2Segments);
        ArchiveRestore.assertEachArchivedByPostgresAlike(timeline2Segments, standby.archiveDirectory(),
                segment -> client.walFile("main", segment));
        // Timeline 1's last segment, to the switch: the standby archives it as .partial on promotion, and so must Shelter.
        String partial = segmentName(1, switchpoint.value() >>> 24) + ".partial";
        assertTrue(objects("00000001").contains(partial), partial + " in the store: " + objects("00000001"));
        int upToSwitch = (int) (switchpoint.value() & 0xFFFFFF);
        ArchiveRestore.assertEachArchivedByPostgresAlike(List.of(partial), standby.archiveDirectory(),
                name -> client.walFile("main", name), upToSwitch);

        standby.stopImmediately();
        Lsn redoDone = ArchiveRestore.restoreToEndOfArchive(primary, scratch.resolve("snapshots"),
                backup.path("snapshots").get(0).path("snapshot").asText(),
                ArchiveRestore.manifestFromBucket(s3, bucket, "main", backup.path("id").asText()),
                ArchiveRestore.restoreCommand(shelter.port(), "main", tokenFile), timeline2);
        assertEquals(digest, Ledger.digest(primary), "every transaction of both timelines is back");
        // "redo done at" names the last record replayed by where it starts: the last commit's record.
        assertTrue(redoDone.isAfter(beforeLastCommit), "replayed to " + redoDone + ", last commit after " + beforeLastCommit);
    }

    private JsonNode awaitStatusOnTimeline2() {
        return Poll.until("the receiver follows timeline 2", Duration.ofSeconds(60), () -> client.get("/api/v1/clusters/main/wal").body(),
                wal -> wal.path("receiver").path("timeline").asInt() == 2 && wal.path("timelines").size() == 2);
    }

    /** The archived file names of one timeline directory (segments, .partial and .history files). */
    private List<String> objects(String timelineHex) {
        try (var s3Client = s3.newClient()) {
            return s3Client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix("wal/main/")).contents().stream()
                    .map(o -> OBJECT_KEY.matcher(o.key())).filter(Matcher::matches).filter(m -> m.group(1).equals(timelineHex))
                    .map(m -> m.group(2)).sorted().toList();
        }
    }

    private static String segmentName(long timeline, long segment) {
        return String.format("%08X%08X%08X", timeline, segment / 256, segment % 256);
    }
}
