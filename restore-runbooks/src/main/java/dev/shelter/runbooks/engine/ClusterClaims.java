package dev.shelter.runbooks.engine;

import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.Lease;
import dev.shelter.runbooks.catalog.Leases;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Which clusters this engine may run plans on, when several Shelter replicas share one journal
 * store: each cluster's runs need its lease ({@code runs/<cluster>}), held from a run's beginning to
 * its end and renewed meanwhile. A replica that dies stops renewing; once the lease has expired,
 * another replica claims it and takes over the runs left unfinished. Not thread-safe: the engine
 * calls it under its cluster lock.
 */
final class ClusterClaims {

    private final Leases leases;
    private final String holder;
    private final Duration term;
    private final LongSupplier nanoTime;
    /** Each claimed cluster, and until when (System.nanoTime) its last renewal lets this engine run on it. */
    private final Map<ClusterName, Long> held = new HashMap<>();

    ClusterClaims(Leases leases, String holder, Duration term, LongSupplier nanoTime) {
        this.leases = leases;
        this.holder = holder;
        this.term = term;
        this.nanoTime = nanoTime;
    }

    static String leaseName(ClusterName cluster) {
        return "runs/" + cluster.value();
    }

    /** Claims the cluster, or renews the claim; empty if this engine holds it now, else the lease of the replica that does. */
    Optional<Lease> claim(ClusterName cluster) {
        long asked = nanoTime.getAsLong();
        Lease lease = leases.acquireOrRenew(leaseName(cluster), holder, term);
        if (!lease.heldBy(holder)) {
            held.remove(cluster);
            return Optional.of(lease);
        }
        held.put(cluster, asked + term.toNanos() * 4 / 5);
        return Optional.empty();
    }

    boolean holds(ClusterName cluster) {
        return held.containsKey(cluster);
    }

    java.util.Set<ClusterName> held() {
        return java.util.Set.copyOf(held.keySet());
    }

    /** Gives the claim up; a failure to say so only delays the next claim by another replica until the lease expires. */
    void release(ClusterName cluster) {
        if (held.remove(cluster) != null) {
            try {
                leases.release(leaseName(cluster), holder);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(ClusterClaims.class).warn("could not give up the run lease of {}; it expires in {} s: {}",
                        cluster, term.toSeconds(), e.getMessage());
            }
        }
    }

    /**
     * Renews every claim; returns the clusters this engine may no longer run on: another replica
     * holds their lease, or it could not be renewed for four fifths of its term (before it can
     * expire for the others).
     */
    List<ClusterName> renew() {
        List<ClusterName> lost = new ArrayList<>();
        for (ClusterName cluster : List.copyOf(held.keySet())) {
            long deadline = held.get(cluster);
            try {
                if (claim(cluster).isPresent()) {
                    lost.add(cluster);
                }
            } catch (RuntimeException e) {
                if (nanoTime.getAsLong() - deadline >= 0) {
                    held.remove(cluster);
                    lost.add(cluster);
                }
            }
        }
        return lost;
    }

    /** The cluster's run lease as the store has it: who holds it, until when; empty when nobody does. */
    Optional<Lease> read(ClusterName cluster) {
        return leases.read(leaseName(cluster));
    }
}
