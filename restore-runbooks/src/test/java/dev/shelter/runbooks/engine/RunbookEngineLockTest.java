package dev.shelter.runbooks.engine;

import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.BlobJournalStore;
import dev.shelter.runbooks.catalog.JournalCodec;
import dev.shelter.runbooks.failure.ConflictException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One unfinished run per cluster: the journal is the lock, and begin refuses a second run. */
class RunbookEngineLockTest extends EngineTestBed {

    private static final ClusterName OTHER = new ClusterName("main-2");

    private static Plan<World> backup() {
        return Plan.of("Backup", OnInterrupt.RESUME, FakeStep.named("CreateSnapshots"));
    }

    @Test
    void aSecondRunOfTheSameClusterIsRefusedNamingTheFirst() {
        Run<World> first = engine.begin(backup(), world, CLUSTER, SUBJECT, Map.of());

        ConflictException refused = assertThrows(ConflictException.class,
                () -> engine.begin(backup(), world, CLUSTER, "another", Map.of()));

        assertEquals("cluster main is busy: run " + first.id() + " (plan Backup, step 1 of 1: CreateSnapshots, RUNNING, held by"
                + " engine-a) has not finished", refused.getMessage());
        assertEquals(1, journals.listAll().size(), "the refused run left no journal");
    }

    @Test
    void anotherClusterIsNotBlocked() {
        engine.begin(backup(), world, CLUSTER, SUBJECT, Map.of());
        Run<World> other = engine.begin(backup(), world, OTHER, SUBJECT, Map.of());
        assertEquals(RunState.SUCCEEDED, engine.execute(other).state());
    }

    @Test
    void aFinishedRunReleasesTheCluster() {
        assertEquals(RunState.SUCCEEDED, run(backup()).state());
        Plan<World> failing = Plan.of("Backup", OnInterrupt.RESUME, FakeStep.named("CreateSnapshots").failingTimes(1));
        world.effects.clear();
        assertEquals(RunState.ROLLED_BACK, run(failing).state());
        Plan<World> stopping = Plan.of("Backup", OnInterrupt.RESUME,
                FakeStep.named("CreateSnapshots").failingTimes(1).onFailure(FailurePolicy.stopAndAlert()));
        assertEquals(RunState.STOPPED, run(stopping).state());

        engine.begin(backup(), world, CLUSTER, SUBJECT, Map.of());
    }

    @Test
    void anUnfinishedJournalLeftByAnotherEngineHoldsTheLockUntilItIsResumed() {
        Plan<World> crashing = Plan.of("Backup", OnInterrupt.RESUME, FakeStep.named("CreateSnapshots").crashing());
        Run<World> crashed = engine.begin(crashing, world, CLUSTER, SUBJECT, Map.of());
        assertThrows(SimulatedCrash.class, () -> engine.execute(crashed));

        RunbookEngine next = new RunbookEngine(new BlobJournalStore(blobs, new JournalCodec()), clock, "engine-b");
        ConflictException refused = assertThrows(ConflictException.class, () -> next.begin(backup(), world, CLUSTER, SUBJECT, Map.of()));
        assertTrue(refused.getMessage().contains(crashed.id().value()), refused.getMessage());

        next.resume(next.unfinished().get(0), backup(), world);
        next.begin(backup(), world, CLUSTER, SUBJECT, Map.of());
    }

    @Test
    void ofConcurrentBeginsOnOneClusterExactlyOneWins() throws Exception {
        int callers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Boolean>> outcomes = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                outcomes.add(pool.submit(() -> {
                    go.await();
                    try {
                        engine.begin(backup(), world, CLUSTER, SUBJECT, Map.of());
                        return true;
                    } catch (ConflictException refused) {
                        return false;
                    }
                }));
            }
            go.countDown();
            int winners = 0;
            for (Future<Boolean> outcome : outcomes) {
                winners += outcome.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertEquals(1, winners);
            assertEquals(1, journals.listAll().size());
        } finally {
            pool.shutdownNow();
        }
    }
}
