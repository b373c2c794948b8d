package dev.shelter.service.metrics;

import dev.shelter.runbooks.wal.WalPruning;
import dev.shelter.service.core.RetentionListener;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * What retention sweeps removed, per cluster: {@code shelter_retention_deleted_backups_total},
 * {@code shelter_retention_removed_wal_files_total} and {@code shelter_retention_removed_wal_bytes_total}.
 */
public final class RetentionMetrics implements RetentionListener {

    private final Counter backups;
    private final Counter walFiles;
    private final Counter walBytes;

    public RetentionMetrics(PrometheusRegistry registry) {
        backups = Counter.builder().name("shelter_retention_deleted_backups_total")
                .help("Backups deleted by retention sweeps on this replica").labelNames("cluster").register(registry);
        walFiles = Counter.builder().name("shelter_retention_removed_wal_files_total")
                .help("WAL files removed by retention sweeps on this replica").labelNames("cluster").register(registry);
        walBytes = Counter.builder().name("shelter_retention_removed_wal_bytes_total")
                .help("Stored bytes of the WAL files removed by retention sweeps on this replica").labelNames("cluster").register(registry);
    }

    @Override
    public void swept(String cluster, int deletedBackups, WalPruning.Pruned wal) {
        backups.labelValues(cluster).inc(deletedBackups);
        walFiles.labelValues(cluster).inc(wal.files());
        walBytes.labelValues(cluster).inc(wal.bytes());
    }
}
