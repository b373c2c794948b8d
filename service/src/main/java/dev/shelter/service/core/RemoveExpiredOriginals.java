package dev.shelter.service.core;

import dev.shelter.runbooks.restore.VolumeSwap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Removes the originals a clone-and-swap restore kept, once their time is up. Run periodically; a
 * failure is logged and tried again on the next run, and one cluster's failure does not hold up another's.
 */
public final class RemoveExpiredOriginals implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(RemoveExpiredOriginals.class);

    private final Map<String, VolumeSwap> swaps;
    private final Clock clock;

    public RemoveExpiredOriginals(Map<String, VolumeSwap> swaps, Clock clock) {
        this.swaps = Map.copyOf(swaps);
        this.clock = clock;
    }

    /** How often to look: a quarter of the shortest keep time, at least every second and at most every minute. */
    public static Duration period(Iterable<Duration> keepTimes) {
        Duration period = Duration.ofMinutes(1);
        for (Duration keep : keepTimes) {
            Duration quarter = keep.dividedBy(4);
            if (quarter.compareTo(period) < 0) {
                period = quarter;
            }
        }
        return period.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : period;
    }

    @Override
    public void run() {
        Instant now = clock.instant();
        swaps.forEach((cluster, swap) -> {
            try {
                for (VolumeSwap.KeptOriginal kept : swap.keptOriginals()) {
                    if (!kept.until().isAfter(now)) {
                        swap.removeOriginal(kept);
                        LOG.info("cluster {}: removed {}, the original of {} kept by restore {} until {}", cluster, kept.original(),
                                kept.mount(), kept.tag(), kept.until());
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("cluster {}: cannot remove the expired originals of clone-and-swap restores yet: {}", cluster, e.getMessage());
            }
        });
    }
}
