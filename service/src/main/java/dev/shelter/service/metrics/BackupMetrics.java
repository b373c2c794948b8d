package dev.shelter.service.metrics;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.service.core.BackupListener;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Backups per cluster, one family per measure with a {@code cluster} label, so that one alert or
 * panel covers every cluster: {@code shelter_backups_total{cluster, state}} (completed or failed),
 * {@code shelter_backup_duration_seconds} and {@code shelter_backup_mode_duration_seconds}
 * (histograms: request to end, and time in backup mode), and
 * {@code shelter_backup_last_completed_timestamp_seconds} (0 while a cluster has none, so that
 * {@code time() - …} is large and an age alert fires, as it should).
 */
public final class BackupMetrics implements BackupListener {

    /** From a snapshot of an idle small cluster (a tenth of a second) to a long offline backup. */
    private static final double[] DURATION_BUCKETS = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};

    private final BackupCatalog catalog;
    private final Clock clock;
    private final Counter ended;
    private final Histogram duration;
    private final Histogram backupMode;
    private final List<ClusterName> clusters = new CopyOnWriteArrayList<>();

    public BackupMetrics(PrometheusRegistry registry, BackupCatalog catalog, Clock clock) {
        this.catalog = catalog;
        this.clock = clock;
        ended = Counter.builder().name("shelter_backups_total")
                .help("Backups ended on this replica, by how they ended: completed or failed")
                .labelNames("cluster", "state").register(registry);
        duration = Histogram.builder().name("shelter_backup_duration_seconds")
                .help("Completed backups: from the request to the end").classicUpperBounds(DURATION_BUCKETS)
                .labelNames("cluster").register(registry);
        backupMode = Histogram.builder().name("shelter_backup_mode_duration_seconds")
                .help("Completed backups: time in backup mode (online) or from the shutdown to the snapshots (offline)").classicUpperBounds(DURATION_BUCKETS)
                .labelNames("cluster").register(registry);
        GaugeWithCallback.builder().name("shelter_backup_last_completed_timestamp_seconds")
                .help("When the newest completed backup of the cluster ended (Unix time); 0 if it has none")
                .labelNames("cluster")
                .callback(callback -> clusters.forEach(cluster -> callback.call(lastCompleted(cluster)
                        .map(at -> at.toEpochMilli() / 1000.0).orElse(0.0), cluster.value())))
                .register(registry);
    }

    /** Starts the cluster's series at zero, so that a rate or an alert sees them before its first backup. */
    public void registerCluster(ClusterName cluster) {
        clusters.add(cluster);
        ended.labelValues(cluster.value(), "completed");
        ended.labelValues(cluster.value(), "failed");
        duration.labelValues(cluster.value());
        backupMode.labelValues(cluster.value());
    }

    @Override
    public void backupEnded(BackupManifest manifest) {
        String cluster = manifest.cluster().value();
        if (manifest.state() == BackupState.COMPLETED) {
            ended.labelValues(cluster, "completed").inc();
            duration.labelValues(cluster).observe(seconds(Duration.between(manifest.request().requestedAt(), manifest.finishedAt())));
            backupMode.labelValues(cluster).observe(seconds(manifest.window().duration()));
        } else {
            ended.labelValues(cluster, "failed").inc();
        }
    }

    /** The age of the newest completed backup of the cluster, if it has one. */
    public Optional<Duration> lastCompletedAge(ClusterName cluster) {
        return lastCompleted(cluster).map(finished -> Duration.between(finished, clock.instant()));
    }

    private Optional<Instant> lastCompleted(ClusterName cluster) {
        return catalog.list(cluster, Optional.of(BackupState.COMPLETED), 0, 1).items().stream().findFirst()
                .map(BackupManifest::finishedAt);
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }
}
