package dev.shelter.service.metrics;

import dev.shelter.scheduler.FireLedger;
import dev.shelter.scheduler.FireRecord;
import dev.shelter.scheduler.ScheduleId;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The fire ledger, counting as it records: {@code shelter_schedule_fires_total{schedule, state}},
 * each fire this replica ended, by how it ended (ran, skipped, failed, missed). Every replica counts
 * its own; summed over replicas, each fire time counts once.
 */
public final class CountedFireLedger implements FireLedger {

    private final FireLedger ledger;
    private final Counter fires;

    public CountedFireLedger(FireLedger ledger, PrometheusRegistry registry) {
        this.ledger = ledger;
        this.fires = Counter.builder().name("shelter_schedule_fires_total")
                .help("Fires of each schedule this replica ended, by how they ended: ran, skipped (another run held the cluster), "
                        + "failed, missed (later than the misfire grace)")
                .labelNames("schedule", "state").register(registry);
    }

    @Override
    public boolean claim(ScheduleId schedule, Instant scheduledAt, String replica, Instant now) {
        return ledger.claim(schedule, scheduledAt, replica, now);
    }

    @Override
    public void record(FireRecord fire) {
        ledger.record(fire);
        fires.labelValues(fire.schedule().value(), fire.state().name().toLowerCase(Locale.ROOT)).inc();
    }

    @Override
    public List<FireRecord> recent(ScheduleId schedule, int limit) {
        return ledger.recent(schedule, limit);
    }
}
