package dev.shelter.service.metrics;

import dev.shelter.runbooks.wal.WalArchiveInspection;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code shelter_wal_missing_files{cluster}}: the WAL files missing between the first and the last
 * segment of each timeline of the archive's current incarnation (a gap a point-in-time recovery
 * cannot cross), for the clusters whose archive can tell (Shelter's layout). Reading it lists the
 * archive, so it is refreshed on a schedule, never at a scrape; NaN while the archive cannot be read.
 */
public final class WalContinuityMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(WalContinuityMetrics.class);

    private final Map<String, WalArchiveInspection> archives;
    private final Map<String, Double> missing = new ConcurrentHashMap<>();

    public WalContinuityMetrics(PrometheusRegistry registry, Map<String, WalArchiveInspection> archives) {
        this.archives = Map.copyOf(archives);
        GaugeWithCallback.builder().name("shelter_wal_missing_files")
                .help("WAL files missing from the archive between each timeline's first and last segment (at most 100 counted "
                        + "per timeline); NaN when the archive could not be read at the last check")
                .labelNames("cluster")
                .callback(callback -> missing.forEach((cluster, files) -> callback.call(files, cluster)))
                .register(registry);
    }

    /** Reads each archive's continuity once; never throws. */
    public void refresh() {
        archives.forEach((cluster, archive) -> {
            try {
                missing.put(cluster, (double) archive.continuity().stream().mapToInt(run -> run.gaps().size()).sum());
            } catch (RuntimeException e) {
                LOG.warn("cannot read the WAL archive of {} to count its gaps: {}", cluster, e.getMessage());
                missing.put(cluster, Double.NaN);
            }
        });
    }
}
