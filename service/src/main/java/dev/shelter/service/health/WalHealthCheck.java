package dev.shelter.service.health;

import com.codahale.metrics.health.HealthCheck;
import dev.shelter.service.wal.WalMonitor;

import java.util.Optional;

/** Unhealthy when the receiver does not stream, or the RPO or the WAL the slot holds passes its bound. */
public final class WalHealthCheck extends HealthCheck {

    private final WalMonitor monitor;

    public WalHealthCheck(WalMonitor monitor) {
        this.monitor = monitor;
    }

    @Override
    protected Result check() {
        Optional<WalMonitor.Sample> sample = monitor.last();
        if (sample.isEmpty()) {
            return Result.unhealthy("the WAL of " + monitor.cluster() + " has not been sampled yet");
        }
        if (sample.get().problem().isPresent()) {
            return Result.unhealthy(sample.get().problem().get());
        }
        return Result.healthy("RPO %.1f s, %d bytes behind, slot holds %d bytes".formatted(sample.get().rpoSeconds(),
                sample.get().lagBytes(), sample.get().slotRetainedBytes()));
    }
}
