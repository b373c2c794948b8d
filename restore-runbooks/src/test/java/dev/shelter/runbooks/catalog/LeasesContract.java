package dev.shelter.runbooks.catalog;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link Leases} adapter must do, run against each of them: the in-memory leases of
 * local mode and the catalog database's. Expiry is by the store's clock, so the tests let real
 * time pass on short leases and wait for the condition, bounded.
 */
public abstract class LeasesContract {

    private static final Duration LONG = Duration.ofMinutes(5);
    private static final Duration WAIT = Duration.ofSeconds(20);

    protected abstract Leases leases();

    private static String fresh(String what) {
        return what + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    @Test
    void theFirstReplicaTakesAFreeLeaseAndTheOthersSeeItsHolder() {
        String name = fresh("wal-receiver/orders");
        assertEquals(Optional.empty(), leases().read(name));
        Lease taken = leases().acquireOrRenew(name, "replica-a", LONG);
        assertTrue(taken.heldBy("replica-a"), taken.toString());
        assertEquals(name, taken.name());
        assertTrue(taken.expiresAt().isAfter(taken.renewedAt().plus(LONG).minusSeconds(1)), taken.toString());

        Lease refused = leases().acquireOrRenew(name, "replica-b", LONG);
        assertEquals("replica-a", refused.holder(), "a live lease stays with its holder");
        assertEquals(taken.expiresAt(), refused.expiresAt(), "a refused take changes nothing");
        assertEquals(Optional.of(taken), leases().read(name));
    }

    @Test
    void aRenewalMovesTheExpiryAndKeepsTheTenure() {
        String name = fresh("wal-receiver/orders");
        Lease taken = leases().acquireOrRenew(name, "replica-a", Duration.ofSeconds(30));
        Lease renewed = waitFor(() -> leases().acquireOrRenew(name, "replica-a", LONG), l -> l.renewedAt().isAfter(taken.renewedAt()));
        assertTrue(renewed.heldBy("replica-a"));
        assertEquals(taken.acquiredAt(), renewed.acquiredAt(), "the same tenure");
        assertTrue(renewed.expiresAt().isAfter(taken.expiresAt()), renewed + " after " + taken);
    }

    @Test
    void aReleasedLeaseIsTakenAtOnceAndOnlyItsHolderReleasesIt() {
        String name = fresh("wal-receiver/orders");
        leases().acquireOrRenew(name, "replica-a", LONG);
        leases().release(name, "replica-b");
        assertEquals("replica-a", leases().read(name).orElseThrow().holder(), "a replica that does not hold it cannot release it");
        leases().release(name, "replica-a");
        assertEquals(Optional.empty(), leases().read(name));
        Lease taken = leases().acquireOrRenew(name, "replica-b", LONG);
        assertTrue(taken.heldBy("replica-b"), taken.toString());
        leases().release(name, "replica-a");
        assertEquals(Optional.of(taken), leases().read(name), "a late release of the old holder does not free the new one's lease");
    }

    @Test
    void aLeaseItsHolderStopsRenewingPassesToAnotherAndTheOldHolderCannotRenewIt() {
        String name = fresh("wal-receiver/orders");
        Lease first = leases().acquireOrRenew(name, "replica-a", Duration.ofMillis(300));
        Lease taken = waitFor(() -> leases().acquireOrRenew(name, "replica-b", LONG), l -> l.heldBy("replica-b"));
        assertFalse(taken.acquiredAt().isBefore(first.expiresAt()), "taken only once expired: " + taken + " after " + first);
        assertTrue(taken.acquiredAt().equals(taken.renewedAt()), "a new tenure: " + taken);
        Lease late = leases().acquireOrRenew(name, "replica-a", LONG);
        assertEquals("replica-b", late.holder(), "the old holder's late renewal is refused");
    }

    @Test
    void replicasRacingForAFreeLeaseLeaveExactlyOneHolderThatAllOfThemSee() throws Exception {
        for (int round = 0; round < 5; round++) {
            String name = fresh("race");
            int replicas = 8;
            ExecutorService threads = Executors.newFixedThreadPool(replicas);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Lease>> answers = new ArrayList<>();
                for (int i = 0; i < replicas; i++) {
                    String replica = "replica-" + i;
                    answers.add(threads.submit(() -> {
                        go.await();
                        return leases().acquireOrRenew(name, replica, LONG);
                    }));
                }
                go.countDown();
                Set<String> holders = new java.util.HashSet<>();
                for (Future<Lease> answer : answers) {
                    holders.add(answer.get().holder());
                }
                assertEquals(1, holders.size(), "one holder, seen by every replica: " + holders);
                assertEquals(holders, Set.of(leases().read(name).orElseThrow().holder()));
            } finally {
                threads.shutdownNow();
            }
        }
    }

    @Test
    void leasesOfDifferentNamesAreIndependent() {
        String orders = fresh("wal-receiver/orders");
        String billing = fresh("wal-receiver/billing");
        leases().acquireOrRenew(orders, "replica-a", LONG);
        Lease other = leases().acquireOrRenew(billing, "replica-b", LONG);
        assertTrue(other.heldBy("replica-b"), other.toString());
        assertEquals(Set.of("replica-a", "replica-b"), java.util.stream.Stream.of(orders, billing)
                .map(n -> leases().read(n).orElseThrow().holder()).collect(Collectors.toSet()));
    }

    private static Lease waitFor(java.util.function.Supplier<Lease> attempt, java.util.function.Predicate<Lease> done) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Lease last = attempt.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("within " + WAIT.toSeconds() + " s, the lease is still " + last);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            last = attempt.get();
        }
        return last;
    }
}
