package dev.shelter.service.metrics;

import dev.shelter.runbooks.wal.WalPruning;
import dev.shelter.scheduler.FireRecord;
import dev.shelter.scheduler.FireState;
import dev.shelter.scheduler.InMemoryFireLedger;
import dev.shelter.scheduler.ScheduleId;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The metrics of schedules, retention and leases, read back from the registry the admin port's
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

    /** The family's data points: their label values (space-joined) to their value. */
    private Map<String, Double> values(String family, String... labels) {
        MetricSnapshot snapshot = family(family);
        Map<String, Double> values = new TreeMap<>();
        for (DataPointSnapshot point : snapshot.getDataPoints()) {
            StringBuilder key = new StringBuilder();
            for (String label : labels) {
                key.append(key.length() == 0 ? "" : " ").append(point.getLabels().get(label));
            }
            double value = point instanceof CounterSnapshot.CounterDataPointSnapshot counter ? counter.getValue()
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
