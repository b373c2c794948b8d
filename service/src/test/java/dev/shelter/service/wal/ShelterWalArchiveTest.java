package dev.shelter.service.wal;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.runbooks.wal.WalArchiveInspection;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.runbooks.wal.WalPruning;
import dev.shelter.runbooks.wal.WalStreamArchive;
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
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    /**
     * Status requests share a continuity listing briefly: a file this process stores shows at
     * once; one removed behind its back (another replica's pruning, say) shows within a second or so.
     */
    @Test
    void continuityShowsThisProcesssWritesAtOnceAndOthersSoon() throws Exception {
        long system = SYSTEM.value();
        for (long n : new long[] {3, 4}) {
            archive.store(WalFileName.parse(WalSegments.name(1, n)), WalSegments.segment(1, n, system, 1), () -> SYSTEM);
        }
        assertEquals(WalFileName.parse(WalSegments.name(1, 4)), archive.continuity().get(0).last());
        archive.store(WalFileName.parse(WalSegments.name(1, 6)), WalSegments.segment(1, 6, system, 1), () -> SYSTEM);
        assertEquals(List.of(WalFileName.parse(WalSegments.name(1, 5))), archive.continuity().get(0).gaps(), "at once");

        Files.delete(root.resolve("wal/main/" + SYSTEM + "/0001/00000001/" + WalSegments.name(1, 4) + ".zst"));
        dev.shelter.testing.Poll.until("the removed segment shows as a gap", java.time.Duration.ofSeconds(30),
                () -> archive.continuity().get(0).gaps().size() == 2);
    }

    /**
     * Parallel uploads can leave segment 4 missing with 5 stored. From the slot's position, a resume
     * starts at that hole, not after 5; inside a segment it starts where the pieces end; without a
     * position (a slot just made) or with one past every file, where the files end.
     */
    @Test
    void aResumeStartsAtTheFirstHoleAfterTheSlotsPosition() {
        long system = SYSTEM.value();
        Timeline first = new Timeline(1);
        for (long n : new long[] {3, 5}) {
            archive.store(WalFileName.parse(WalSegments.name(1, n)), WalSegments.segment(1, n, system, 1), () -> SYSTEM);
        }
        long size = WalSegments.SEGMENT_BYTES;
        Lsn segmentFour = new Lsn(4 * size);

        assertEquals(segmentFour, archive.resumePoint(first, size, Optional.of(new Lsn(3 * size + 100))).orElseThrow().position());
        assertEquals(segmentFour, archive.resumePoint(first, size, Optional.of(new Lsn(size))).orElseThrow().position(),
                "a slot older than the archive: its first file bounds the search");
        assertEquals(new Lsn(6 * size), archive.resumePoint(first, size, Optional.of(new Lsn(5 * size))).orElseThrow().position());
        assertEquals(new Lsn(6 * size), archive.resumePoint(first, size, Optional.empty()).orElseThrow().position());
        assertEquals(new Lsn(6 * size), archive.resumePoint(first, size, Optional.of(new Lsn(9 * size))).orElseThrow().position());

        byte[] four = WalSegments.segment(1, 4, system, 1);
        archive.storeStreaming(SYSTEM, WalFileName.parse(WalSegments.name(1, 4)), four.length, four, 0, 70_000);
        WalStreamArchive.ResumePoint inside = archive.resumePoint(first, size, Optional.of(segmentFour)).orElseThrow();
        assertEquals(new Lsn(4 * size + 70_000), inside.position());
        assertArrayEquals(Arrays.copyOf(four, 70_000), inside.segmentSoFar());
        assertEquals(Optional.empty(), archive.resumePoint(new Timeline(2), size, Optional.of(segmentFour)), "nothing on timeline 2");
    }

    /**
     * Incarnation 1: timeline 1 (segments 3-5, and 6 partial where timeline 2 began), timeline 2
     * (6-8); incarnation 2, a restore's: timeline 3 from segment 7. The oldest kept backup starts in
     * segment 7: everything before it goes, on every timeline and in both incarnations, oldest
     * first; history files and segment 7 onward stay; a dry run only counts.
     */
    @Test
    void pruningRemovesEveryFileBeforeTheKeptStartsSegmentOnEveryTimelineAndIncarnation() throws Exception {
        long system = SYSTEM.value();
        for (long n = 3; n <= 5; n++) {
            archive.store(WalFileName.parse(WalSegments.name(1, n)), WalSegments.segment(1, n, system, 1), () -> SYSTEM);
        }
        archive.store(WalFileName.parse(WalSegments.name(1, 6) + ".partial"), WalSegments.segment(1, 6, system, 1), () -> SYSTEM);
        archive.store(WalFileName.parse("00000002.history"), "1\t0/6000100\tno recovery target specified\n"
                .getBytes(StandardCharsets.US_ASCII), () -> SYSTEM);
        for (long n = 6; n <= 8; n++) {
            archive.store(WalFileName.parse(WalSegments.name(2, n)), WalSegments.segment(2, n, system, 2), () -> SYSTEM);
        }
        assertEquals(2, archive.beginIncarnation());
        archive.store(WalFileName.parse("00000003.history"), ("1\t0/6000100\tno recovery target specified\n"
                + "2\t0/7000200\tbefore 2026-11-21 10:00:00+00\n").getBytes(StandardCharsets.US_ASCII), () -> SYSTEM);
        for (long n = 7; n <= 8; n++) {
            archive.store(WalFileName.parse(WalSegments.name(3, n)), WalSegments.segment(3, n, system, 3), () -> SYSTEM);
        }
        List<String> before = keys();
        java.util.Map<String, Long> sizes = store.list("wal/main/").stream().collect(java.util.stream.Collectors.toMap(
                info -> info.key().value(), info -> info.sizeBytes()));
        WalPruning pruning = ((WalArchive) archive).pruning().orElseThrow();

        WalPruning.Pruned wouldGo = pruning.pruneBefore(SYSTEM, Lsn.parse("0/7000028"), true);
        assertEquals(5, wouldGo.files(), wouldGo.toString());
        assertEquals(before, keys(), "a dry run removes nothing");

        WalPruning.Pruned gone = pruning.pruneBefore(SYSTEM, Lsn.parse("0/7000028"), false);
        assertEquals(wouldGo, gone, "the dry run said what goes");
        assertEquals(Optional.of("wal/main/" + SYSTEM + "/0001/00000001/" + WalSegments.name(1, 3) + ".zst"), gone.first(), "oldest first");
        List<String> removed = before.stream().filter(key -> !keys().contains(key)).map(key -> key.substring(key.lastIndexOf('/') + 1))
                .sorted().toList();
        assertEquals(List.of(WalSegments.name(1, 3) + ".zst", WalSegments.name(1, 4) + ".zst", WalSegments.name(1, 5) + ".zst",
                WalSegments.name(1, 6) + ".partial.zst", WalSegments.name(2, 6) + ".zst"), removed);
        assertEquals(before.stream().filter(key -> !keys().contains(key)).mapToLong(sizes::get).sum(), gone.bytes(),
                "the stored bytes of the files removed");
        assertTrue(archive.fetch(WalFileName.parse("00000002.history")).isPresent(), "histories stay");
        assertTrue(archive.fetch(WalFileName.parse("00000003.history")).isPresent());
        assertTrue(archive.fetch(WalFileName.parse(WalSegments.name(2, 7))).isPresent(), "the kept start's segment stays");
        assertTrue(archive.fetch(WalFileName.parse(WalSegments.name(3, 7))).isPresent());
        assertEquals(WalPruning.Pruned.NOTHING, pruning.pruneBefore(SYSTEM, Lsn.parse("0/7000028"), false), "again: nothing left to go");
        assertEquals(WalPruning.Pruned.NOTHING, pruning.pruneBefore(SystemIdentifier.parse("7000000000000000001"), Lsn.parse("1/0"),
                false), "another system's WAL is never here to prune");
        assertEquals(List.of(), archive.continuity().get(0).gaps(), "what remains is continuous: " + archive.continuity());
    }

    private List<String> keys() {
        return store.list("wal/main/").stream().map(info -> info.key().value()).sorted().toList();
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
