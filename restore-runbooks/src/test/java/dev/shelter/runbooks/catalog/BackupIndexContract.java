package dev.shelter.runbooks.catalog;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupMode;
import dev.shelter.runbooks.backup.BackupModeWindow;
import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.ServerIdentity;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.storage.snapshot.SnapshotRef;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link BackupIndex} adapter must do, run against each of them: the in-memory index
 * and the PostgreSQL catalog database.
 */
public abstract class BackupIndexContract {

    private static final Instant T0 = Instant.parse("2026-11-21T10:15:00.123456789Z");
    private static final SystemIdentifier SYSTEM = SystemIdentifier.parse("7311744470813461234");

    protected abstract BackupIndex index();

    @BeforeEach
    void startEmpty() {
        index().replaceAll(List.of());
    }

    @Test
    void anUpsertedManifestIsFoundAsItWasAndAnUpsertReplacesIt() {
        BackupManifest running = running("alpha", 1);
        assertTrue(index().isEmpty());
        index().upsert(running);
        assertFalse(index().isEmpty());
        assertEquals(Optional.of(running), index().find(running.id()));

        BackupManifest completed = completed(running);
        index().upsert(completed);
        assertEquals(Optional.of(completed), index().find(running.id()));
        assertEquals(1, index().list(new ClusterName("alpha"), Optional.empty(), 0, 10).total());
        assertEquals(Optional.empty(), index().find(new BackupId("20200101T000000Z-000000")));
    }

    @Test
    void listingIsPerClusterNewestFirstFilteredAndPaged() {
        for (int i = 1; i <= 5; i++) {
            BackupManifest m = running("alpha", i);
            index().upsert(i % 2 == 0 ? m.failed("unit " + i, T0) : completed(m));
        }
        index().upsert(running("beta", 9));

        BackupIndex.Page all = index().list(new ClusterName("alpha"), Optional.empty(), 0, 10);
        assertEquals(5, all.total());
        assertEquals(List.of(5, 4, 3, 2, 1), seconds(all.items()));

        BackupIndex.Page page = index().list(new ClusterName("alpha"), Optional.empty(), 1, 2);
        assertEquals(5, page.total(), "total counts every match, not the page");
        assertEquals(List.of(4, 3), seconds(page.items()));

        BackupIndex.Page failed = index().list(new ClusterName("alpha"), Optional.of(BackupState.FAILED), 0, 10);
        assertEquals(2, failed.total());
        assertEquals(List.of(4, 2), seconds(failed.items()));

        assertEquals(List.of(9), seconds(index().list(new ClusterName("beta"), Optional.empty(), 0, 10).items()));
        assertEquals(0, index().list(new ClusterName("gamma"), Optional.empty(), 0, 10).total());
        assertEquals(List.of(9), seconds(index().inState(BackupState.RUNNING)));
        assertEquals(List.of(5, 3, 1), seconds(index().inState(BackupState.COMPLETED)));
    }

    @Test
    void pagesFromEitherEndAgreeWithTheWholeListing() {
        for (int i = 1; i <= 9; i++) {
            index().upsert(completed(running("alpha", i)));
        }
        ClusterName alpha = new ClusterName("alpha");
        assertEquals(List.of(9, 8, 7, 6, 5, 4, 3, 2, 1), seconds(index().list(alpha, Optional.empty(), 0, Integer.MAX_VALUE).items()));
        assertEquals(List.of(3, 2), seconds(index().list(alpha, Optional.empty(), 6, 2).items()));
        assertEquals(List.of(1), seconds(index().list(alpha, Optional.of(BackupState.COMPLETED), 8, 1).items()),
                "the last offset is the oldest backup");
        assertEquals(List.of(2, 1), seconds(index().list(alpha, Optional.empty(), 7, 10).items()), "a page past the end is cut");
        BackupIndex.Page beyond = index().list(alpha, Optional.empty(), 9, 10);
        assertEquals(List.of(), beyond.items());
        assertEquals(9, beyond.total());
    }

    @Test
    void aStateChangeMovesTheManifestBetweenStateListings() {
        BackupManifest running = running("alpha", 1);
        index().upsert(running);
        ClusterName alpha = new ClusterName("alpha");
        assertEquals(1, index().list(alpha, Optional.of(BackupState.RUNNING), 0, 10).total());

        index().upsert(completed(running));
        assertEquals(0, index().list(alpha, Optional.of(BackupState.RUNNING), 0, 10).total());
        assertEquals(List.of(1), seconds(index().list(alpha, Optional.of(BackupState.COMPLETED), 0, 10).items()));
        assertEquals(1, index().list(alpha, Optional.empty(), 0, 10).total());

        index().replaceAll(List.of(running("beta", 2)));
        assertEquals(0, index().list(alpha, Optional.of(BackupState.COMPLETED), 0, 10).total());
        assertEquals(0, index().list(alpha, Optional.empty(), 0, 10).total());
    }

    @Test
    void replaceAllLeavesExactlyTheGivenManifests() {
        index().upsert(running("alpha", 1));
        index().upsert(running("alpha", 2));
        BackupManifest kept = completed(running("alpha", 2));
        BackupManifest added = running("beta", 3);

        index().replaceAll(List.of(kept, added));

        assertEquals(Optional.empty(), index().find(running("alpha", 1).id()));
        assertEquals(Optional.of(kept), index().find(kept.id()));
        assertEquals(Optional.of(added), index().find(added.id()));
        assertEquals(1, index().list(new ClusterName("alpha"), Optional.empty(), 0, 10).total());

        index().replaceAll(List.of());
        assertTrue(index().isEmpty());
    }

    private static List<Integer> seconds(List<BackupManifest> manifests) {
        return manifests.stream().map(m -> Integer.parseInt(m.id().value().substring(13, 15))).toList();
    }

    /** A running backup whose id (and start) is {@code second} seconds past 10:15:00. */
    protected static BackupManifest running(String cluster, int second) {
        BackupId id = new BackupId("20261121T1015%02dZ-abc%03d".formatted(second, second));
        return BackupManifest.running(new BackupRequest(id, new ClusterName(cluster), BackupMode.ONLINE, "contract " + second, true,
                T0.plusSeconds(second)));
    }

    protected static BackupManifest completed(BackupManifest running) {
        Instant start = running.request().requestedAt();
        return running.withServer(new ServerIdentity(150018, SYSTEM, 16L * 1024 * 1024), 123_456_789L)
                .withSnapshots(List.of(new VolumeSnapshot(VolumeRole.PGDATA, "pgdata",
                        new SnapshotRef("pgdata-image", running.id().snapshotName()))))
                .withWindow(new BackupModeWindow(Lsn.parse("0/5000028"), Lsn.parse("0/6000100"), new Timeline(1),
                        "START WAL LOCATION: 0/5000028 (file 000000010000000000000005)\nLABEL: contract\n", "",
                        start, start.plusMillis(1500)))
                .completed(start.plusSeconds(3));
    }
}
