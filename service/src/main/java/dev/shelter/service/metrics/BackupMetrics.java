package dev.shelter.service.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.service.core.BackupListener;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Per cluster: backup duration and time in backup mode (timers), completed and failed counts, and
 * the age of the newest completed backup (a gauge, in seconds; -1 when there is none).
 */
public final class BackupMetrics implements BackupListener {

    private final MetricRegistry registry;
    private final BackupCatalog catalog;
    private final Clock clock;

    public BackupMetrics(MetricRegistry registry, BackupCatalog catalog, Clock clock) {
        this.registry = registry;
        this.catalog = catalog;
        this.clock = clock;
    }

    public void registerCluster(ClusterName cluster) {
        registry.gauge(name(cluster, "last_completed_age_seconds"), () -> (Gauge<Long>) () -> lastCompletedAge(cluster)
                .map(Duration::toSeconds).orElse(-1L));
    }

    @Override
    public void backupEnded(BackupManifest manifest) {
        ClusterName cluster = manifest.cluster();
        if (manifest.state() == BackupState.COMPLETED) {
            registry.counter(name(cluster, "completed")).inc();
            timer(cluster, "duration").update(Duration.between(manifest.request().requestedAt(), manifest.finishedAt()).toNanos(),
                    TimeUnit.NANOSECONDS);
            timer(cluster, "backup_mode").update(manifest.window().duration().toNanos(), TimeUnit.NANOSECONDS);
        } else {
            registry.counter(name(cluster, "failed")).inc();
        }
    }

    /** The age of the newest completed backup of the cluster, if it has one. */
    public Optional<Duration> lastCompletedAge(ClusterName cluster) {
        return catalog.list(cluster, Optional.of(BackupState.COMPLETED), 0, 1).items().stream().findFirst()
                .map(BackupManifest::finishedAt)
                .map((Instant finished) -> Duration.between(finished, clock.instant()));
    }

    private Timer timer(ClusterName cluster, String what) {
        return registry.timer(name(cluster, what));
    }

    private static String name(ClusterName cluster, String what) {
        return "shelter.backups." + cluster.value().replace('-', '_') + "." + what;
    }
}
