package dev.shelter.runbooks.engine;

import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.BlobJournalStore;
import dev.shelter.runbooks.catalog.JournalCodec;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An engine over a journal store on a filesystem blob store in a temporary directory, as in local
 * mode. Tests read journals back through a store of their own over the same directory, so what they
 * see is what a new process would see.
 */
abstract class EngineTestBed {

    static final ClusterName CLUSTER = new ClusterName("main");
    static final String SUBJECT = "20261129T181500Z-3f9a2c";
    static final Instant T0 = Instant.parse("2026-11-29T18:15:00Z");

    @TempDir
    Path directory;
    BlobStore blobs;
    JournalStore journals;
    final MutableClock clock = new MutableClock(T0);
    final World world = new World();
    RunbookEngine engine;

    @BeforeEach
    void openStore() {
        blobs = FsBlobStore.open(new FsBlobStoreConfig(directory));
        journals = new BlobJournalStore(blobs, new JournalCodec());
        engine = new RunbookEngine(journals, clock, "engine-a");
    }

    @AfterEach
    void closeStore() {
        blobs.close();
    }

    /** The run's journal as a new process would read it from the object store. */
    RunJournal stored(RunId id) {
        return new BlobJournalStore(blobs, new JournalCodec()).get(CLUSTER, id)
                .orElseThrow(() -> new AssertionError("no journal of run " + id + " in the store"));
    }

    RunJournal run(Plan<World> plan) {
        return engine.execute(engine.begin(plan, world, CLUSTER, SUBJECT, Map.of()));
    }

    static List<StepStatus> statuses(RunJournal journal) {
        return journal.steps().stream().map(StepEntry::status).toList();
    }

    static void assertStatuses(RunJournal journal, StepStatus... expected) {
        assertEquals(List.of(expected), statuses(journal), journal.toString());
    }
}
