package dev.shelter.service.wal;

import dev.shelter.runbooks.backup.Lsn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Samples, every few seconds, how far the archive trails the server: lag in bytes, the WAL the
 * slot holds back, and the RPO in seconds. Metrics, the health check and the API read the last
 * sample, so none of them queries PostgreSQL.
 */
public final class WalMonitor {

    /** The last sample. {@code problem} is empty when the receiver streams within its bounds. */
    public record Sample(Instant sampledAt, Lsn serverPosition, Lsn durable, long lagBytes, long slotRetainedBytes,
                         double rpoSeconds, Optional<String> problem) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(WalMonitor.class);

    private final String cluster;
    private final String slot;
    private final Supplier<WalReceiver.Status> receiver;
    private final ReplicationProbe probe;
    private final Duration maxRpo;
    private final long maxSlotRetainedBytes;
    private final Clock clock;
    private volatile Optional<Sample> last = Optional.empty();

    public WalMonitor(String cluster, String slot, Supplier<WalReceiver.Status> receiver, ReplicationProbe probe, Duration maxRpo,
                      long maxSlotRetainedBytes, Clock clock) {
        this.cluster = cluster;
        this.slot = slot;
        this.receiver = receiver;
        this.probe = probe;
        this.maxRpo = maxRpo;
        this.maxSlotRetainedBytes = maxSlotRetainedBytes;
        this.clock = clock;
    }

    public String cluster() {
        return cluster;
    }

    /** The receiver's status on this replica: standby while another replica holds its lease. */
    public WalReceiver.Status receiverStatus() {
        return receiver.get();
    }

    public Optional<Sample> last() {
        return last;
    }

    /** Takes a sample; never throws (a failure to sample is itself the problem reported). */
    public void sample() {
        Instant now = clock.instant();
        WalReceiver.Status status = receiver.get();
        try {
            ReplicationProbe.Sample server = probe.sample(slot);
            Lsn durable = status.durable() != null ? status.durable() : server.confirmed().orElse(new Lsn(0));
            long lag = Math.max(0, server.serverPosition().value() - durable.value());
            long retained = server.slotRetainsFrom().map(from -> Math.max(0, server.serverPosition().value() - from.value())).orElse(0L);
            double rpo = rpoSeconds(status, server, lag, now);
            last = Optional.of(new Sample(now, server.serverPosition(), durable, lag, retained, rpo,
                    problem(status, server, rpo, retained)));
        } catch (RuntimeException e) {
            LOG.debug("cannot sample the WAL position of {}: {}", cluster, e.getMessage());
            double rpo = status.durableAt() == null ? Double.NaN : secondsBetween(status.durableAt(), now);
            last = Optional.of(new Sample(now, null, status.durable(), -1, -1, rpo,
                    Optional.of("cannot ask the server how far the archive trails: " + e.getMessage())));
        }
    }

    /**
     * Nothing to lose when the archive holds everything; else PostgreSQL's own flush_lag while the
     * receiver streams; else the time since the durable position last moved, which bounds it.
     */
    private static double rpoSeconds(WalReceiver.Status status, ReplicationProbe.Sample server, long lag, Instant now) {
        if (lag == 0) {
            return 0;
        }
        if (server.slotActive() && server.flushLag().isPresent()) {
            return server.flushLag().get().toNanos() / 1e9;
        }
        return status.durableAt() == null ? Double.NaN : secondsBetween(status.durableAt(), now);
    }

    private Optional<String> problem(WalReceiver.Status status, ReplicationProbe.Sample server, double rpo, long retained) {
        if (status.state() != WalReceiver.State.STREAMING && status.state() != WalReceiver.State.STANDBY) {
            return Optional.of("the WAL receiver is " + status.state().name().toLowerCase()
                    + (status.lastError() == null ? "" : ": " + status.lastError()));
        }
        if (!server.slotActive()) {
            return Optional.of("slot " + slot + " has no receiver attached"
                    + (status.state() == WalReceiver.State.STANDBY ? ", and the replica that holds the receiver's lease is not this one" : ""));
        }
        if (rpo > maxRpo.toSeconds()) {
            return Optional.of("RPO is " + Math.round(rpo) + " s, over the bound of " + maxRpo.toSeconds() + " s");
        }
        if (retained > maxSlotRetainedBytes) {
            return Optional.of("slot " + slot + " holds " + retained + " bytes of WAL, over the bound of " + maxSlotRetainedBytes);
        }
        return Optional.empty();
    }

    private static double secondsBetween(Instant from, Instant to) {
        return Math.max(0, Duration.between(from, to).toNanos() / 1e9);
    }
}
