package dev.shelter.service.health;

import com.codahale.metrics.health.HealthCheck;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Unhealthy when this replica's clock is further than {@code most} from the catalog database's,
 * which every replica's scheduler shares: clustered Quartz needs its replicas within about a second.
 */
public final class ClockSkewHealthCheck extends HealthCheck {

    private final Supplier<Duration> skewAtLeast;
    private final Duration most;

    public ClockSkewHealthCheck(Supplier<Duration> skewAtLeast, Duration most) {
        this.skewAtLeast = skewAtLeast;
        this.most = most;
    }

    @Override
    protected Result check() {
        Duration skew = skewAtLeast.get();
        String said = "this clock is at least " + skew.toMillis() + " ms from the catalog database's";
        return skew.compareTo(most) > 0 ? Result.unhealthy(said + ", more than " + most.toMillis() + " ms: synchronize the clocks (NTP)"
                + " or scheduled fires may run twice or late") : Result.healthy(said);
    }
}
