package dev.shelter.service.metrics;

import dev.shelter.service.wal.WalMonitor;
import dev.shelter.service.wal.WalReceiver;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The WAL stream per cluster, from each monitor's last sample (taken every few seconds), one
 * family per measure with a {@code cluster} label: {@code shelter_wal_rpo_seconds},
 * {@code shelter_wal_lag_bytes}, {@code shelter_wal_slot_retained_bytes}, and
 * {@code shelter_wal_receiver_state{cluster, replica, state}}, 1 for the state the receiver is in
 * on this replica and 0 for the others ({@code max by (cluster)} of the streaming series is 0 when
 * no replica streams). A cluster not yet sampled has no samples; a measure its last sample could
 * not take (the server did not answer) is NaN rather than a made-up number.
 */
public final class WalMetrics {

    private WalMetrics() {
    }

    public static void register(PrometheusRegistry registry, String replica, Map<String, WalMonitor> monitors) {
        sampled(registry, "shelter_wal_rpo_seconds", "Seconds of committed WAL the archive would lose now: 0 when it holds "
                + "everything the server wrote, NaN when unknown", monitors, WalMonitor.Sample::rpoSeconds);
        sampled(registry, "shelter_wal_lag_bytes", "Bytes of WAL the server wrote that the archive does not hold yet",
                monitors, sample -> sample.lagBytes() < 0 ? Double.NaN : sample.lagBytes());
        sampled(registry, "shelter_wal_slot_retained_bytes", "Bytes of WAL the receiver's replication slot keeps on the server",
                monitors, sample -> sample.slotRetainedBytes() < 0 ? Double.NaN : sample.slotRetainedBytes());
        GaugeWithCallback.builder().name("shelter_wal_receiver_state")
                .help("1 for the state the cluster's WAL receiver is in on this replica (streaming, starting, retrying, "
                        + "stopped, or standby while another replica holds its lease), 0 for the others")
                .labelNames("cluster", "replica", "state")
                .callback(callback -> monitors.forEach((cluster, monitor) -> {
                    WalReceiver.State now = monitor.receiverStatus().state();
                    for (WalReceiver.State state : WalReceiver.State.values()) {
                        callback.call(state == now ? 1 : 0, cluster, replica, state.name().toLowerCase(Locale.ROOT));
                    }
                }))
                .register(registry);
    }

    private static void sampled(PrometheusRegistry registry, String name, String help, Map<String, WalMonitor> monitors,
                                ToDoubleFunction<WalMonitor.Sample> measure) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("cluster")
                .callback(callback -> monitors.forEach((cluster, monitor) -> monitor.last()
                        .ifPresent(sample -> callback.call(measure.applyAsDouble(sample), cluster))))
                .register(registry);
    }
}
