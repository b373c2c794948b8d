package dev.shelter.runbooks.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import dev.shelter.storage.snapshot.SnapshotRef;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The manifest's JSON is a stored format: value types are written as the plain strings and numbers
 * manifests have always held. {@link #STORED} was written by Shelter before the value types
 * ({@code ClusterName}, {@code SystemIdentifier}, {@code SnapshotRef}) replaced strings in the
 * records; it must read back, and be written again byte for byte.
 */
class ManifestCodecTest {

    private static final String STORED = """
            {
              "format" : "shelter-backup-manifest",
              "formatVersion" : 1,
              "sha256" : "bf50a8c150da985d71f7f03f2b564d619c619731632bc8cc04f6a9dc7a79a034",
              "manifest" : {
                "request" : {
                  "id" : "20261121T101500Z-3fa9c1",
                  "cluster" : "main",
                  "mode" : "ONLINE",
                  "label" : "nightly",
                  "fastCheckpoint" : true,
                  "requestedAt" : "2026-11-21T10:15:00Z"
                },
                "state" : "COMPLETED",
                "phase" : "DONE",
                "failure" : null,
                "server" : {
                  "versionNum" : 150010,
                  "systemIdentifier" : "18446744073709551615",
                  "walSegmentBytes" : 16777216
                },
                "window" : {
                  "startLsn" : "0/3000028",
                  "stopLsn" : "0/3000100",
                  "timeline" : 1,
                  "labelFile" : "label\\n",
                  "tablespaceMap" : "",
                  "startedAt" : "2026-11-21T10:15:00.200Z",
                  "endedAt" : "2026-11-21T10:15:00.900Z"
                },
                "snapshots" : [ {
                  "role" : "PGDATA",
                  "name" : "pgdata",
                  "volume" : "/var/lib/postgresql/15/main",
                  "snapshot" : "shelter-20261121T101500Z-3fa9c1"
                }, {
                  "role" : "TABLESPACE",
                  "name" : "fast",
                  "volume" : "rbd/img@x",
                  "snapshot" : "shelter-20261121T101500Z-3fa9c1"
                } ],
                "databaseBytes" : 123456789,
                "finishedAt" : "2026-11-21T10:15:02Z"
              }
            }""";

    private final ManifestCodec codec = new ManifestCodec();

    @Test
    void aManifestStoredBeforeTheValueTypesReadsBack() {
        assertEquals(expected(), codec.decode(STORED.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theSameManifestIsWrittenAsItWasStored() {
        assertEquals(STORED, new String(codec.encode(expected()), StandardCharsets.UTF_8));
    }

    @Test
    void aProtectionIsWrittenWithTheManifestAndReadBack() throws Exception {
        BackupManifest protectedOne = expected().protectedBy(new BackupProtection("before the 16 upgrade (ticket #42)",
                Instant.parse("2026-11-30T09:00:00Z")));

        String written = new String(codec.encode(protectedOne), StandardCharsets.UTF_8);

        JsonNode protection = new ObjectMapper().readTree(written).path("manifest").path("protection");
        assertEquals("before the 16 upgrade (ticket #42)", protection.path("reason").asText(), written);
        assertEquals("2026-11-30T09:00:00Z", protection.path("since").asText(), written);
        assertEquals(protectedOne, codec.decode(written.getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected(), codec.decode(codec.encode(protectedOne.unprotected())));
        assertFalse(new String(codec.encode(protectedOne.unprotected()), StandardCharsets.UTF_8).contains("protection"));
    }

    @Test
    void anOffsiteCopyAndItsLastScrubAreWrittenAndReadBack() {
        dev.shelter.runbooks.backup.OffsiteCopy copy = new dev.shelter.runbooks.backup.OffsiteCopy(Instant.parse("2026-11-30T10:00:00Z"),
                1 << 20, 4096, 3, 7, true, null);
        BackupManifest exported = expected().exportedAs(copy);
        String unscrubbed = new String(codec.encode(exported), StandardCharsets.UTF_8);
        assertFalse(unscrubbed.contains("lastScrub"), "a copy never scrubbed is written as before scrubs existed: " + unscrubbed);
        assertEquals(exported, codec.decode(unscrubbed.getBytes(StandardCharsets.UTF_8)));

        BackupManifest corrupt = expected().exportedAs(copy.scrubbed(new dev.shelter.runbooks.backup.OffsiteScrub(
                Instant.parse("2026-11-30T11:00:00Z"), 25, 40, 9, java.util.Map.of("ab12", "chunk ab12 is missing"))));
        BackupManifest read = codec.decode(codec.encode(corrupt));
        assertEquals(corrupt, read);
        assertFalse(read.offsite().lastScrub().isSound());
    }

    private static BackupManifest expected() {
        Instant at = Instant.parse("2026-11-21T10:15:00Z");
        BackupId id = new BackupId("20261121T101500Z-3fa9c1");
        BackupRequest request = new BackupRequest(id, new ClusterName("main"), BackupMode.ONLINE, "nightly", true, at);
        return BackupManifest.running(request)
                // above 2^63: still unsigned decimal in JSON
                .withServer(new ServerIdentity(150010, SystemIdentifier.parse("18446744073709551615"), 16L << 20), 123_456_789L)
                .withSnapshots(List.of(
                        new VolumeSnapshot(VolumeRole.PGDATA, "pgdata", new SnapshotRef("/var/lib/postgresql/15/main", id.snapshotName())),
                        new VolumeSnapshot(VolumeRole.TABLESPACE, "fast", new SnapshotRef("rbd/img@x", id.snapshotName()))))
                .withWindow(new BackupModeWindow(Lsn.parse("0/3000028"), Lsn.parse("0/3000100"), new Timeline(1), "label\n", "",
                        at.plusMillis(200), at.plusMillis(900)))
                .completed(at.plusSeconds(2));
    }
}
