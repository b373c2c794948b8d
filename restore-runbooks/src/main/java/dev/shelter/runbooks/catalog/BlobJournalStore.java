package dev.shelter.runbooks.catalog;

import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.engine.JournalStore;
import dev.shelter.runbooks.engine.RunId;
import dev.shelter.runbooks.engine.RunJournal;
import dev.shelter.storage.blob.BlobStore;

import java.util.List;
import java.util.Optional;

/**
 * Run journals in the object store at {@code journals/<cluster>/<runId>.json}, each written twice
 * (a {@code .json.copy} twin, as manifests are) so that one torn or lost object never loses the
 * record of what a run changed. The main copy is written first: a crash between the two writes
 * leaves a sound main copy, which is the one read.
 */
public final class BlobJournalStore implements JournalStore {

    private static final String ROOT = "journals/";

    private final TwinDocuments<RunJournal> documents;

    public BlobJournalStore(BlobStore store, JournalCodec codec) {
        this.documents = new TwinDocuments<>(store, ".json", ".json.copy", codec::encode, codec::decode);
    }

    @Override
    public void put(RunJournal journal) {
        documents.put(stem(journal.cluster(), journal.id()), journal);
    }

    @Override
    public Optional<RunJournal> get(ClusterName cluster, RunId id) {
        return documents.read(stem(cluster, id));
    }

    @Override
    public List<RunJournal> listAll() {
        return documents.readAll(ROOT);
    }

    /** Lists only the cluster's own journals: this is the lock check of every begin. */
    @Override
    public List<RunJournal> list(ClusterName cluster) {
        return documents.readAll(ROOT + cluster.value() + "/");
    }

    private static String stem(ClusterName cluster, RunId id) {
        return ROOT + cluster.value() + "/" + id.value();
    }
}
