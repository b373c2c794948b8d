package dev.shelter.runbooks.engine;

import dev.shelter.runbooks.catalog.InMemoryLeases;
import dev.shelter.runbooks.catalog.Leases;
import dev.shelter.runbooks.failure.ConflictException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two engines (replicas) on one journal store and one lease store, on a clock the test moves: a run
 * on one makes the cluster busy on the other; a replica that stops renewing loses the cluster's run
 * lease once it expires, the other takes the unfinished run over, and the first, finding its lease
 * gone, stops without writing the journal again.
 */
class RunbookEngineReplicasTest extends EngineTestBed {

    private static final Duration TERM = Duration.ofSeconds(10);

    private Leases leases;
    private RunbookEngine a;
    private RunbookEngine b;

    @BeforeEach
    void twoReplicas() {
        leases = new InMemoryLeases(clock);
        a = new RunbookEngine(journals, clock, "replica-a", leases, TERM);
        b = new RunbookEngine(journals, clock, "replica-b", leases, TERM);
    }

    private static Plan<World> backup(FakeStep first) {
        return Plan.of("Backup", OnInterrupt.RESUME, first, FakeStep.named("RecordBackup"));
    }

    @Test
    void aRunOnOneReplicaMakesTheClusterBusyOnTheOtherUntilItEnds() {
        Run<World> running = a.begin(backup(FakeStep.named("CreateSnapshots")), world, CLUSTER, SUBJECT, Map.of());
        ConflictException refused = assertThrows(ConflictException.class,
                () -> b.begin(backup(FakeStep.named("CreateSnapshots")), world, CLUSTER, "another", Map.of()));
        assertTrue(refused.getMessage().startsWith("cluster main is busy: replica replica-a holds its run lease"), refused.getMessage());
        assertFalse(b.claim(CLUSTER), "a live replica's lease is not taken");
        assertEquals(Optional.of("replica-a"), b.claimedElsewhere(CLUSTER));

        assertEquals(RunState.SUCCEEDED, a.execute(running).state());
        assertEquals(Optional.empty(), leases.read("runs/main"), "a run's end gives the lease up");
        assertEquals(RunState.SUCCEEDED, b.execute(b.begin(backup(FakeStep.named("CreateSnapshots")), world, CLUSTER, "another",
                Map.of())).state());
    }

    @Test
    void aReplicaThatStopsRenewingHasItsRunTakenOverAndStopsWithoutWritingAgain() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Run<World> stuck = a.begin(backup(FakeStep.named("CreateSnapshots").doing((w, run) -> {
            started.countDown();
            while (true) {
                run.checkCancelled();
                Thread.sleep(10);
            }
        })), world, CLUSTER, SUBJECT, Map.of());
        CompletableFuture<RunJournal> onA = CompletableFuture.supplyAsync(() -> a.execute(stuck));
        assertTrue(started.await(30, TimeUnit.SECONDS));

        clock.advance(TERM.minusSeconds(1));
        assertFalse(b.claim(CLUSTER), "not before the term has run out");
        clock.advance(Duration.ofSeconds(1));
        assertTrue(b.claim(CLUSTER), "replica-a stopped renewing: replica-b claims the cluster");
        RunJournal before = stored(stuck.id());

        a.renewClaims(); // replica-a wakes up and finds the lease gone
        ExecutionException ended = assertThrows(ExecutionException.class, () -> onA.get(30, TimeUnit.SECONDS));
        assertTrue(ended.getCause().getMessage().contains("lost the run lease of main"), ended.getCause().toString());
        assertEquals(before, stored(stuck.id()), "the fenced replica wrote nothing more");

        RunJournal resumed = b.resume(before, backup(FakeStep.named("CreateSnapshots")), world);
        assertEquals(RunState.SUCCEEDED, resumed.state(), resumed.toString());
        assertEquals("replica-b", stored(stuck.id()).lockHolder());
        assertEquals(Optional.empty(), leases.read("runs/main"));
    }
}
