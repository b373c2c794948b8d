package dev.shelter.runbooks.engine;

import dev.shelter.runbooks.backup.ClusterName;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * What every {@link JournalStore} adapter must do, run against each of them: the object store on a
 * filesystem (BlobJournalStoreTest) and on a real S3 server (BlobJournalStoreS3IT).
 */
public abstract class JournalStoreContract {

    private static final ClusterName MAIN = new ClusterName("main");
    private static final ClusterName MAIN_2 = new ClusterName("main-2");
    private static final Instant T0 = Instant.parse("2026-11-29T18:15:00.123456789Z");

    private JournalStore store;

    /** A fresh, empty store for one test. */
    protected abstract JournalStore newEmptyStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newEmptyStore();
    }

    /** A journal with every field set, nullable ones included, as a run in the middle of a rollback has. */
    protected static RunJournal journal(ClusterName cluster, String runId, RunState state) {
        List<StepEntry> steps = List.of(
                StepEntry.pending("ScaleToZero", "statefulset main: 3 -> 0").started("statefulset main: 3 -> 0", T0, 1)
                        .done(T0.plusSeconds(4)),
                StepEntry.pending("RollbackSnapshots", "pgdata@shelter-1").started("pgdata@shelter-1", T0.plusSeconds(4), 2)
                        .withProgress(new Progress(3, 5, "volumes")).failed(T0.plusSeconds(9), "volume is busy"),
                StepEntry.pending("ScaleUp", "statefulset main: 0 -> 3"));
        return RunJournal.begun(new RunId(runId), "Restore", cluster, "20261129T181500Z-3f9a2c", "engine-a", T0, steps,
                        Map.of("replicas", "3", "snapshot.pgdata", "shelter-1"))
                .withFailure(state == RunState.RUNNING ? null : "RollbackSnapshots failed after 2 attempt(s): volume is busy")
                .withState(state)
                .withUpdatedAt(T0.plusSeconds(9));
    }

    @Test
    void aJournalIsReadBackEqualToWhatWasPut() {
        RunJournal rollingBack = journal(MAIN, "run-20261129T181500Z-3f9a2c", RunState.ROLLING_BACK).withCancelRequested();
        store.put(rollingBack);
        assertEquals(Optional.of(rollingBack), store.get(MAIN, rollingBack.id()));

        RunJournal running = journal(MAIN, "run-20261129T181600Z-000001", RunState.RUNNING);
        store.put(running);
        RunJournal readBack = store.get(MAIN, running.id()).orElseThrow();
        assertEquals(running, readBack);
        assertNull(readBack.failure());
        assertNull(readBack.step(2).startedAt());
        assertNull(readBack.step(2).progress());
    }

    @Test
    void anAbsentRunIsEmptyNotAnError() {
        assertEquals(Optional.empty(), store.get(MAIN, new RunId("run-20261129T181500Z-000000")));
        store.put(journal(MAIN, "run-20261129T181500Z-3f9a2c", RunState.RUNNING));
        assertEquals(Optional.empty(), store.get(MAIN_2, new RunId("run-20261129T181500Z-3f9a2c")), "journals are per cluster");
    }

    @Test
    void aPutReplacesTheEarlierVersionOfTheRun() {
        RunJournal running = journal(MAIN, "run-20261129T181500Z-3f9a2c", RunState.RUNNING);
        store.put(running);
        RunJournal rolledBack = running.withState(RunState.ROLLED_BACK).withFailure("cancelled").withUpdatedAt(T0.plusSeconds(60));
        store.put(rolledBack);

        assertEquals(Optional.of(rolledBack), store.get(MAIN, running.id()));
        assertEquals(List.of(rolledBack), store.listAll());
    }

    @Test
    void listAllHasEveryRunOfEveryClusterAndUnfinishedOnlyThoseNotFinished() {
        RunJournal running = journal(MAIN, "run-20261129T181500Z-000001", RunState.RUNNING);
        RunJournal succeeded = journal(MAIN, "run-20261129T181400Z-000002", RunState.SUCCEEDED);
        RunJournal rollingBack = journal(MAIN_2, "run-20261129T181500Z-000003", RunState.ROLLING_BACK);
        RunJournal stopped = journal(MAIN_2, "run-20261129T181300Z-000004", RunState.STOPPED);
        for (RunJournal journal : List.of(running, succeeded, rollingBack, stopped)) {
            store.put(journal);
        }

        assertEquals(sorted(List.of(running, succeeded, rollingBack, stopped)), sorted(store.listAll()));
        assertEquals(sorted(List.of(running, rollingBack)), sorted(store.unfinished()));
        assertEquals(List.of(running), store.unfinished(MAIN), "main-2 shares main's prefix but not its lock");
        assertEquals(List.of(rollingBack), store.unfinished(MAIN_2));
        assertEquals(List.of(), store.unfinished(new ClusterName("idle")));
    }

    private static List<RunJournal> sorted(List<RunJournal> journals) {
        return journals.stream().sorted(Comparator.comparing(RunJournal::id)).toList();
    }
}
