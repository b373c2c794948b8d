package dev.shelter.service.metrics;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupMode;
import dev.shelter.runbooks.backup.BackupModeWindow;
import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.ServerIdentity;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.catalog.BlobManifestStore;
import dev.shelter.runbooks.catalog.InMemoryBackupIndex;
import dev.shelter.runbooks.catalog.ManifestCodec;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.wal.WalPruning;
import dev.shelter.scheduler.FireRecord;
import dev.shelter.scheduler.FireState;
import dev.shelter.scheduler.InMemoryFireLedger;
import dev.shelter.scheduler.ScheduleId;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.service.wal.ReplicationProbe;
import dev.shelter.service.wal.ShelterWalArchive;
import dev.shelter.service.wal.WalMonitor;
import dev.shelter.service.wal.WalReceiver;
import dev.shelter.service.wal.WalSegments;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import dev.shelter.storage.snapshot.SnapshotRef;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The metrics of schedules, retention, leases, backups and the WAL stream, read back from the registry the admin port's
 * /prometheus serves: one family each, labelled, with help text, counting what happened.
 */
class LabelledMetricsTest {

    private static final Instant T0 = Instant.parse("2026-11-30T12:00:00Z");

    private final PrometheusRegistry registry = new PrometheusRegistry();

    @Test
    void eachFireIsCountedBySchedulesAndHowItEndedAndStillRecorded() {
        InMemoryFireLedger inner = new InMemoryFireLedger();
        CountedFireLedger ledger = new CountedFireLedger(inner, registry);
        ScheduleId nightly = ScheduleId.random();
        ScheduleId sweep = ScheduleId.random();
        for (int i = 0; i < 3; i++) {
            Instant at = T0.plusSeconds(10L * i);
            assertTrue(ledger.claim(nightly, at, "replica-a", at));
            ledger.record(new FireRecord(nightly, at, "replica-a", i == 2 ? FireState.SKIPPED : FireState.RAN, "", at));
        }
        ledger.record(new FireRecord(sweep, T0, "replica-a", FireState.MISSED, "late", T0));

        assertEquals(Map.of(nightly.value() + " ran", 2.0, nightly.value() + " skipped", 1.0, sweep.value() + " missed", 1.0),
                values("shelter_schedule_fires", "schedule", "state"));
        assertEquals(3, inner.recent(nightly, 10).size(), "the fires are recorded as before");
        assertFalse(ledger.claim(nightly, T0, "replica-b", T0), "a claim still goes once");
        assertTrue(help("shelter_schedule_fires").contains("missed"));
    }

    @Test
    void sweepsCountTheBackupsAndTheWalTheyRemovedPerCluster() {
        RetentionMetrics metrics = new RetentionMetrics(registry);
        metrics.swept("orders", 2, new WalPruning.Pruned(7, 7L << 20, Optional.of("a"), Optional.of("b")));
        metrics.swept("orders", 1, WalPruning.Pruned.NOTHING);
        metrics.swept("billing", 0, new WalPruning.Pruned(1, 100, Optional.of("c"), Optional.of("c")));

        assertEquals(Map.of("orders", 3.0, "billing", 0.0), values("shelter_retention_deleted_backups", "cluster"));
        assertEquals(Map.of("orders", 7.0, "billing", 1.0), values("shelter_retention_removed_wal_files", "cluster"));
        assertEquals(Map.of("orders", (double) (7L << 20), "billing", 100.0), values("shelter_retention_removed_wal_bytes", "cluster"));
    }

    @Test
    void eachLeaseSaysWhetherThisReplicaHoldsItAsItIsNow() {
        Map<String, Boolean> held = new LinkedHashMap<>(Map.of("wal-receiver/orders", true, "runs/orders", false));
        LeaseMetrics.register(registry, "replica-a", () -> Map.copyOf(held));
        assertEquals(Map.of("wal-receiver/orders replica-a", 1.0, "runs/orders replica-a", 0.0),
                values("shelter_lease_held", "lease", "replica"));
        held.put("runs/orders", true);
        held.put("wal-receiver/orders", false);
        assertEquals(Map.of("wal-receiver/orders replica-a", 0.0, "runs/orders replica-a", 1.0),
                values("shelter_lease_held", "lease", "replica"), "read at each scrape");
    }

    @Test
    void backupsAreCountedByClusterAndHowTheyEndedAndTheNewestCompletedIsDated(@TempDir Path store) {
        try (FsBlobStore blobs = FsBlobStore.open(new FsBlobStoreConfig(store))) {
            BackupCatalog catalog = new BackupCatalog(new BlobManifestStore(blobs, new ManifestCodec()), new InMemoryBackupIndex());
            BackupMetrics metrics = new BackupMetrics(registry, catalog, Clock.fixed(T0.plusSeconds(3600), ZoneOffset.UTC));
            metrics.registerCluster(new ClusterName("orders"));
            metrics.registerCluster(new ClusterName("billing"));
            assertEquals(Map.of("orders completed", 0.0, "orders failed", 0.0, "billing completed", 0.0, "billing failed", 0.0),
                    values("shelter_backups", "cluster", "state"), "each cluster's series exist before its first backup");
            assertEquals(Map.of("orders", 0.0, "billing", 0.0), values("shelter_backup_last_completed_timestamp_seconds", "cluster"));

            BackupManifest completed = completed("orders", "20261130T120000Z-aaaaaa", T0);
            catalog.record(completed);
            metrics.backupEnded(completed);
            BackupManifest failed = running("orders", "20261130T120100Z-bbbbbb", T0.plusSeconds(60)).failed("no space", T0.plusSeconds(70));
            catalog.record(failed);
            metrics.backupEnded(failed);

            assertEquals(Map.of("orders completed", 1.0, "orders failed", 1.0, "billing completed", 0.0, "billing failed", 0.0),
                    values("shelter_backups", "cluster", "state"));
            assertEquals(Map.of("orders", 1.0, "billing", 0.0), values("shelter_backup_duration_seconds", "cluster"),
                    "observed once: the failed backup is no duration");
            assertEquals(5.0, sum("shelter_backup_duration_seconds"), 1e-9, "requested at T0, ended 5 s later");
            assertEquals(0.7, sum("shelter_backup_mode_duration_seconds"), 1e-9, "in backup mode from 0.2 s to 0.9 s");
            assertEquals(Map.of("orders", (double) T0.plusSeconds(5).getEpochSecond(), "billing", 0.0),
                    values("shelter_backup_last_completed_timestamp_seconds", "cluster"));
            assertEquals(Duration.ofSeconds(3595), metrics.lastCompletedAge(new ClusterName("orders")).orElseThrow());
            assertTrue(help("shelter_backups").contains("completed or failed"));
        }
    }

    @Test
    void theWalStreamIsMeasuredPerClusterFromItsMonitorsLastSample() {
        WalReceiver.Status streaming = new WalReceiver.Status(WalReceiver.State.STREAMING, "shelter_orders", new Timeline(1),
                "127.0.0.1", Lsn.parse("0/2F00000"), Lsn.parse("0/2F00000"), T0, null);
        ReplicationProbe server = slot -> new ReplicationProbe.Sample(Lsn.parse("0/3000000"), Optional.of(Lsn.parse("0/2000000")),
                true, Optional.of(Lsn.parse("0/2F00000")), Optional.of(Duration.ofMillis(200)));
        Clock clock = Clock.fixed(T0.plusSeconds(1), ZoneOffset.UTC);
        WalMonitor orders = new WalMonitor("orders", "shelter_orders", () -> streaming, server, Duration.ofSeconds(60), 1L << 30, clock);
        WalReceiver.Status standby = new WalReceiver.Status(WalReceiver.State.STANDBY, "shelter_billing", null, null, null, null,
                null, null);
        WalMonitor billing = new WalMonitor("billing", "shelter_billing", () -> standby, server, Duration.ofSeconds(60), 1L << 30, clock);
        Map<String, WalMonitor> monitors = new LinkedHashMap<>();
        monitors.put("orders", orders);
        monitors.put("billing", billing);
        WalMetrics.register(registry, "replica-a", monitors);
        orders.sample();

        assertEquals(Map.of("orders", 0.2), values("shelter_wal_rpo_seconds", "cluster"), "billing is not sampled yet: no sample");
        assertEquals(Map.of("orders", (double) 0x100000), values("shelter_wal_lag_bytes", "cluster"));
        assertEquals(Map.of("orders", (double) 0x1000000), values("shelter_wal_slot_retained_bytes", "cluster"));
        Map<String, Double> states = values("shelter_wal_receiver_state", "cluster", "replica", "state");
        assertEquals(10, states.size(), "five states for each of two clusters: " + states);
        assertEquals(1.0, states.get("orders replica-a streaming"));
        assertEquals(0.0, states.get("orders replica-a standby"));
        assertEquals(1.0, states.get("billing replica-a standby"));
        assertEquals(1.0, states.values().stream().mapToDouble(Double::doubleValue).sum() / 2, "one state each");
        assertTrue(help("shelter_wal_rpo_seconds").contains("lose"));
    }

    @Test
    void theArchivesGapsAreCountedAtEachRefreshNotAtEachScrape(@TempDir Path store) {
        try (FsBlobStore blobs = FsBlobStore.open(new FsBlobStoreConfig(store))) {
            ShelterWalArchive archive = new ShelterWalArchive(blobs, "wal/orders/", Clock.fixed(T0, ZoneOffset.UTC));
            SystemIdentifier system = SystemIdentifier.parse("7311744470813461234");
            for (long n : new long[] {3, 4, 7}) {
                archive.store(WalFileName.parse(WalSegments.name(1, n)), WalSegments.segment(1, n, system.value(), 1), () -> system);
            }
            WalContinuityMetrics metrics = new WalContinuityMetrics(registry, Map.of("orders", archive));
            assertEquals(Map.of(), values("shelter_wal_missing_files", "cluster"), "nothing known before the first refresh");
            metrics.refresh();
            assertEquals(Map.of("orders", 2.0), values("shelter_wal_missing_files", "cluster"), "segments 5 and 6");

            for (long n : new long[] {5, 6}) {
                archive.store(WalFileName.parse(WalSegments.name(1, n)), WalSegments.segment(1, n, system.value(), 1), () -> system);
            }
            assertEquals(Map.of("orders", 2.0), values("shelter_wal_missing_files", "cluster"), "a scrape reads no archive");
            metrics.refresh();
            assertEquals(Map.of("orders", 0.0), values("shelter_wal_missing_files", "cluster"));
        }
    }

    private static BackupManifest running(String cluster, String id, Instant requestedAt) {
        return BackupManifest.running(new BackupRequest(new BackupId(id), new ClusterName(cluster), BackupMode.ONLINE, "metrics",
                true, requestedAt));
    }

    private static BackupManifest completed(String cluster, String id, Instant requestedAt) {
        return running(cluster, id, requestedAt)
                .withServer(new ServerIdentity(150010, SystemIdentifier.parse("7301234567890123456"), 16L << 20), 1L << 20)
                .withWindow(new BackupModeWindow(Lsn.parse("0/3000028"), Lsn.parse("0/3000100"), new Timeline(1), "label", "",
                        requestedAt.plusMillis(200), requestedAt.plusMillis(900)))
                .withSnapshots(List.of(new VolumeSnapshot(VolumeRole.PGDATA, "pgdata", new SnapshotRef("/data", new BackupId(id)
                        .snapshotName()))))
                .completed(requestedAt.plusSeconds(5));
    }

    private double sum(String family) {
        return family(family).getDataPoints().stream().mapToDouble(point -> ((HistogramSnapshot.HistogramDataPointSnapshot) point)
                .getSum()).sum();
    }

    /** The family's data points: their label values (space-joined) to their value (a histogram's: its count). */
    private Map<String, Double> values(String family, String... labels) {
        MetricSnapshot snapshot = family(family);
        Map<String, Double> values = new TreeMap<>();
        for (DataPointSnapshot point : snapshot.getDataPoints()) {
            StringBuilder key = new StringBuilder();
            for (String label : labels) {
                key.append(key.length() == 0 ? "" : " ").append(point.getLabels().get(label));
            }
            double value = point instanceof CounterSnapshot.CounterDataPointSnapshot counter ? counter.getValue()
                    : point instanceof HistogramSnapshot.HistogramDataPointSnapshot histogram ? histogram.getCount()
                    : ((GaugeSnapshot.GaugeDataPointSnapshot) point).getValue();
            values.put(key.toString(), value);
        }
        return values;
    }

    private String help(String family) {
        return family(family).getMetadata().getHelp();
    }

    private MetricSnapshot family(String name) {
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (snapshot.getMetadata().getName().equals(name)) {
                return snapshot;
            }
        }
        throw new AssertionError("no metric family " + name);
    }
}
