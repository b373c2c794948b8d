package dev.shelter.service.wal;

import dev.shelter.runbooks.catalog.Lease;
import dev.shelter.runbooks.catalog.Leases;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Runs a cluster's WAL receiver on this replica only while this replica holds the cluster's
 * receiver lease. Each tick renews the lease, or tries to take it: gaining it starts a fresh
 * receiver, which resumes from the archive through the slot; losing it, or failing to renew it for
 * most of its term, stops the receiver.
 *
 * <p>The lease decides who should stream; the replication slot is the fence. PostgreSQL lets one
 * connection at a time stream from a slot, so a replica that has not yet noticed the loss of its
 * lease cannot stream beside the new holder: the new holder retries until the slot is free.
 */
public final class LeasedWalReceiver {

    private static final Logger LOG = LoggerFactory.getLogger(LeasedWalReceiver.class);
    /** A streaming receiver ends within about a read's wait once asked to. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(2);
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private final String cluster;
    private final String slot;
    private final String replica;
    private final Leases leases;
    private final Duration term;
    private final Supplier<WalReceiver> newReceiver;
    private final LongSupplier nanoTime;

    private WalReceiver receiver;
    private Thread thread;
    /** Until when (System.nanoTime) the last renewal lets this replica stream without another. */
    private long streamUntilNanos;
    private volatile WalReceiver streaming;
    private volatile Optional<Lease> observed = Optional.empty();
    private volatile String leaseProblem;

    public LeasedWalReceiver(String cluster, String slot, String replica, Leases leases, Duration term,
                             Supplier<WalReceiver> newReceiver, LongSupplier nanoTime) {
        this.cluster = cluster;
        this.slot = slot;
        this.replica = replica;
        this.leases = leases;
        this.term = term;
        this.newReceiver = newReceiver;
        this.nanoTime = nanoTime;
    }

    public static String leaseName(String cluster) {
        return "wal-receiver/" + cluster;
    }

    /** How often to tick: several renewals fit in a term, so one failed renewal costs nothing. */
    public static Duration renewalInterval(Duration term) {
        return term.dividedBy(5);
    }

    /** One round: renew or take the lease, then start or stop the receiver to match. */
    public synchronized void tick() {
        long asked = nanoTime.getAsLong();
        Lease lease;
        try {
            lease = leases.acquireOrRenew(leaseName(cluster), replica, term);
        } catch (RuntimeException e) {
            leaseProblem = "cannot reach the lease store: " + e.getMessage();
            if (receiver != null && nanoTime.getAsLong() - streamUntilNanos >= 0) {
                stopReceiver("its lease could not be renewed for " + term.multipliedBy(4).dividedBy(5).toMillis() + " ms");
            }
            return;
        }
        leaseProblem = null;
        observed = Optional.of(lease);
        if (lease.heldBy(replica)) {
            // Counted from before the renewal was asked for: the store's expiry is no earlier than that plus the term.
            streamUntilNanos = asked + term.toNanos() * 4 / 5;
            if (receiver == null) {
                startReceiver();
            }
        } else if (receiver != null) {
            stopReceiver("replica " + lease.holder() + " holds its lease now");
        }
    }

    /** On shutdown: stop streaming and give the lease up, so that another replica takes over at once. */
    public synchronized void relinquish() {
        if (receiver != null) {
            stopReceiver("this replica stops");
        }
        try {
            leases.release(leaseName(cluster), replica);
        } catch (RuntimeException e) {
            LOG.warn("could not release the WAL receiver lease of {}; another replica takes it once it expires: {}", cluster,
                    e.getMessage());
        }
    }

    /** The receiver's status here: its own while this replica streams, else standby. */
    public WalReceiver.Status status() {
        WalReceiver current = streaming;
        if (current != null) {
            return current.status();
        }
        return new WalReceiver.Status(WalReceiver.State.STANDBY, slot, null, null, null, null, null, leaseProblem);
    }

    public String replica() {
        return replica;
    }

    /** The lease as the last tick saw it: who streams, since when, until when unless renewed. */
    public Optional<Lease> lease() {
        return observed;
    }

    private void startReceiver() {
        LOG.info("replica {} holds the WAL receiver lease of {}: streaming through slot {}", replica, cluster, slot);
        receiver = newReceiver.get();
        thread = new Thread(receiver, "wal-receiver-" + cluster);
        thread.start();
        streaming = receiver;
    }

    private void stopReceiver(String why) {
        LOG.info("replica {} stops the WAL receiver of {}: {}", replica, cluster, why);
        receiver.stop();
        try {
            thread.join(STOP_GRACE.toMillis());
            if (thread.isAlive()) { // waiting out a retry's backoff, or a call that does not return
                thread.interrupt();
                thread.join(STOP_WAIT.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("the WAL receiver of {} did not stop within {} s; the slot keeps a second receiver out", cluster,
                    STOP_WAIT.toSeconds());
        }
        receiver = null;
        thread = null;
        streaming = null;
    }
}
