package dev.shelter.service.metrics;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.Map;
import java.util.function.Supplier;

/**
 * Which replica holds each lease: {@code shelter_lease_held{lease, replica}} is 1 on the replica
 * that holds the lease and 0 on the others ({@code max by (lease, replica)} names the holder).
 * Leases: {@code wal-receiver/<cluster>} (who streams) and {@code runs/<cluster>} (who runs a plan).
 */
public final class LeaseMetrics {

    private LeaseMetrics() {
    }

    /** {@code heldHere}: each lease this replica knows of, and whether it holds it now. */
    public static void register(PrometheusRegistry registry, String replica, Supplier<Map<String, Boolean>> heldHere) {
        GaugeWithCallback.builder().name("shelter_lease_held")
                .help("1 if this replica holds the lease now, else 0: wal-receiver/<cluster> streams the WAL, runs/<cluster> runs plans")
                .labelNames("lease", "replica")
                .callback(callback -> heldHere.get().forEach((lease, held) -> callback.call(held ? 1 : 0, lease, replica)))
                .register(registry);
    }
}
