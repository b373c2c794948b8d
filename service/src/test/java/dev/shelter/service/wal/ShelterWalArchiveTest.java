package dev.shelter.service.wal;

import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.runbooks.wal.WalArchiveInspection;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The archive contract on Shelter's layout, plus what only it does: keys, compression, checksums, one system. */
class ShelterWalArchiveTest extends WalArchiveContract {

    @TempDir
    Path root;
    private FsBlobStore store;
    private ShelterWalArchive archive;

    @BeforeEach
    void open() {
        store = FsBlobStore.open(new FsBlobStoreConfig(root));
        archive = new ShelterWalArchive(store, "wal/main/", Clock.fixed(Instant.parse("2026-11-21T10:00:00Z"), ZoneOffset.UTC));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Override
    protected WalArchive archive() {
        return archive;
    }

    @Test
    void itDeclaresStreamingAndInspectionOfItself() {
        WalArchive port = archive;
        assertSame(archive, port.streaming().orElseThrow());
        assertSame(archive, port.inspection().orElseThrow());
        assertEquals(Optional.empty(), archive.currentIncarnation(), "no incarnation before the first file");

        archive.store(WalFileName.parse(segmentName(3)), segment(3, 1), NO_SERVER);
        assertEquals(new WalArchiveInspection.Incarnation(SYSTEM, 1, Instant.parse("2026-11-21T10:00:00Z")),
                archive.currentIncarnation().orElseThrow());
    }

    @Test
    void continuityIsCheckedAcrossATimelineSwitchByTheArchivedHistory() {
        long system = SYSTEM.value();
        for (long n : new long[] {3, 4}) {
            archive.store(WalFileName.parse(WalSegments.name(1, n)), WalSegments.segment(1, n, system, 1), () -> SYSTEM);
        }
        for (long n : new long[] {7, 8}) { // timeline 2 began in segment 6 (0/6000100)
            archive.store(WalFileName.parse(WalSegments.name(2, n)), WalSegments.segment(2, n, system, 2), () -> SYSTEM);
        }
        assertEquals(List.of(WalFileName.parse("00000002.history")), archive.continuity().get(1).gaps(),
                "no history, no claim of continuity");

        archive.store(WalFileName.parse("00000002.history"), "1\t0/6000100\tno recovery target specified\n"
                .getBytes(StandardCharsets.US_ASCII), () -> SYSTEM);
        List<WalArchiveInspection.TimelineRun> runs = archive.continuity();
        assertEquals(List.of(WalFileName.parse(WalSegments.name(1, 5))), runs.get(0).gaps(), "timeline 1 must reach the switch's segment");
        assertEquals(List.of(WalFileName.parse(WalSegments.name(2, 6))), runs.get(1).gaps(),
                "timeline 2 must hold the segment it began in");

        archive.store(WalFileName.parse(WalSegments.name(1, 5)), WalSegments.segment(1, 5, system, 1), () -> SYSTEM);
        archive.store(WalFileName.parse(WalSegments.name(2, 6)), WalSegments.segment(2, 6, system, 2), () -> SYSTEM);
        assertEquals(List.of(), archive.continuity().get(0).gaps());
        assertEquals(List.of(), archive.continuity().get(1).gaps());
    }

    @Test
    void aNewIncarnationTakesTheWritesAndTheOldOneStillServesReads() {
        long system = SYSTEM.value();
        WalFileName three = WalFileName.parse(WalSegments.name(1, 3));
        archive.store(three, WalSegments.segment(1, 3, system, 1), () -> SYSTEM);

        assertEquals(2, archive.beginIncarnation());

        assertEquals(WalArchive.Stored.NEW, archive.store(three, WalSegments.segment(1, 3, system, 9), () -> SYSTEM),
                "the new history's segment 3 does not meet the old one's");
        assertTrue(Files.exists(root.resolve("wal/main/" + SYSTEM + "/0002/00000001/" + three + ".zst")));
        assertTrue(Files.exists(root.resolve("wal/main/" + SYSTEM + "/0001/00000001/" + three + ".zst")));
        WalFileName four = WalFileName.parse(WalSegments.name(1, 4));
        assertTrue(archive.fetch(four).isEmpty());
        assertEquals(List.of(), archive.continuity().get(0).gaps());
    }

    /** A restore swapped back: the WAL its server wrote stays, unread; the old incarnation serves reads, a new one the writes. */
    @Test
    void anAbandonedIncarnationIsNeverReadAndANewOneTakesTheWrites() throws Exception {
        long system = SYSTEM.value();
        WalFileName three = WalFileName.parse(WalSegments.name(1, 3));
        archive.store(three, WalSegments.segment(1, 3, system, 1), () -> SYSTEM);
        assertEquals(2, archive.beginIncarnation());
        WalFileName history = WalFileName.parse("00000002.history");
        archive.store(history, "1\t0/3000000\tbefore 2000-01-01 00:00:00+00\n".getBytes(StandardCharsets.UTF_8), () -> SYSTEM);
        WalFileName four = WalFileName.parse(WalSegments.name(1, 4));
        archive.store(four, WalSegments.segment(1, 4, system, 9), () -> SYSTEM);

        archive.abandonIncarnation(2, "restore swapped back: the check failed");

        assertTrue(archive.fetch(history).isEmpty(), "the abandoned timeline's history leads no restore onto it");
        assertTrue(archive.fetch(four).isEmpty());
        assertTrue(archive.fetch(three).isPresent(), "the incarnation before still serves reads");
        assertEquals(3, archive.currentIncarnation().orElseThrow().number());
        assertEquals(WalArchive.Stored.NEW, archive.store(four, WalSegments.segment(1, 4, system, 1), () -> SYSTEM),
                "the cluster swapped back writes its own segment 4 to the new incarnation");
        assertTrue(Files.exists(root.resolve("wal/main/" + SYSTEM + "/0002/00000001/" + four + ".zst")), "kept, for a post-mortem");
        String state = Files.readString(root.resolve("wal/main/archive.json"));
        assertTrue(state.contains("\"abandoned\" : \"restore swapped back: the check failed\""), state);

        archive.abandonIncarnation(2, "again");
        assertEquals(3, archive.currentIncarnation().orElseThrow().number(), "abandoning twice changes nothing");
    }

    @Test
    void filesAreKeyedBySystemIncarnationAndTimelineAndCompressed() throws Exception {
        archive.store(WalFileName.parse(segmentName(3)), segment(3, 1), NO_SERVER);

        Path object = root.resolve("wal/main/" + SYSTEM + "/0001/00000001/" + segmentName(3) + ".zst");
        assertTrue(Files.size(object) < WalSegments.SEGMENT_BYTES / 10, "compressed to " + Files.size(object) + " bytes");
        assertEquals(SYSTEM, archive.readState().orElseThrow().systemIdentifier());
        assertEquals(1, archive.readState().orElseThrow().incarnations().size());
        String state = Files.readString(root.resolve("wal/main/archive.json"));
        assertTrue(state.contains("\"systemIdentifier\" : \"7311744470813461234\""), "archive.json names its system in decimal: " + state);
    }

    @Test
    void anArchiveStateWrittenBeforeTheValueTypesReadsBack() throws Exception {
        // archive.json as an earlier Shelter wrote it: the system identifier is a decimal string.
        Files.createDirectories(root.resolve("wal/main"));
        Files.writeString(root.resolve("wal/main/archive.json"), """
                {
                  "format" : "shelter-wal-archive",
                  "formatVersion" : 1,
                  "sha256" : "3ad85d9798986d4d53277987a2a1463fd2c649e72e984fd05c334c3b7361f0d8",
                  "archive" : {
                    "systemIdentifier" : "7311744470813461234",
                    "segmentBytes" : 16777216,
                    "incarnations" : [ {
                      "number" : 1,
                      "createdAt" : "2026-11-21T10:00:00Z"
                    }, {
                      "number" : 2,
                      "createdAt" : "2026-11-21T10:00:00Z"
                    } ]
                  }
                }""");

        WalArchiveState state = archive.readState().orElseThrow();
        assertEquals(SYSTEM, state.systemIdentifier());
        assertEquals(2, state.incarnations().size());
        assertEquals(WalArchive.Stored.NEW, archive.store(WalFileName.parse(segmentName(3)), segment(3, 1), NO_SERVER));
        assertTrue(Files.exists(root.resolve("wal/main/7311744470813461234/0002/00000001/" + segmentName(3) + ".zst")));
    }

    @Test
    void aSegmentOfAnotherSystemIsRefused() {
        archive.store(WalFileName.parse(segmentName(3)), segment(3, 1), NO_SERVER);
        ConflictException refused = assertThrows(ConflictException.class, () -> archive.store(WalFileName.parse(segmentName(4)),
                WalSegments.segment(1, 4, 42, 1), NO_SERVER));
        assertTrue(refused.getMessage().contains("system 42"), refused.getMessage());
    }

    @Test
    void aHistoryFileFirstAsksTheServerWhichSystemThisIs() {
        WalFileName history = WalFileName.parse("00000002.history");
        archive.store(history, "1\t0/5000000\tbefore\n".getBytes(StandardCharsets.US_ASCII), () -> SystemIdentifier.parse("99"));
        assertEquals(SystemIdentifier.parse("99"), archive.readState().orElseThrow().systemIdentifier());
    }

    @Test
    void aDamagedObjectIsNeverServed() throws Exception {
        WalFileName name = WalFileName.parse(segmentName(6));
        archive.store(name, segment(6, 1), NO_SERVER);
        Path object = root.resolve("wal/main/" + SYSTEM + "/0001/00000001/" + segmentName(6) + ".zst");
        byte[] bytes = Files.readAllBytes(object);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(object, bytes);

        RuntimeException refused = assertThrows(RuntimeException.class, () -> archive.fetch(name));
        assertTrue(refused.getMessage().contains("WAL object"), refused.getMessage());
    }
}
