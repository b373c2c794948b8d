package dev.shelter.runbooks.catalog;

import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.engine.JournalStore;
import dev.shelter.runbooks.engine.RunId;
import dev.shelter.runbooks.engine.RunJournal;
import dev.shelter.storage.blob.BlobInfo;
import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Run journals in the object store at {@code journals/<cluster>/<runId>.json}, each written twice
 * (a {@code .json.copy} twin, as manifests are) so that one torn or lost object never loses the
 * record of what a run changed. The main copy is written first: a crash between the two writes
 * leaves a sound main copy, which is the one read.
 */
public final class BlobJournalStore implements JournalStore {

    private static final Logger LOG = LoggerFactory.getLogger(BlobJournalStore.class);
    private static final String ROOT = "journals/";
    private static final String MAIN = ".json";
    private static final String COPY = ".json.copy";

    private final BlobStore store;
    private final JournalCodec codec;

    public BlobJournalStore(BlobStore store, JournalCodec codec) {
        this.store = store;
        this.codec = codec;
    }

    @Override
    public void put(RunJournal journal) {
        byte[] bytes = codec.encode(journal);
        String stem = stem(journal.cluster(), journal.id());
        store.put(new BlobKey(stem + MAIN), bytes);
        store.put(new BlobKey(stem + COPY), bytes);
    }

    @Override
    public Optional<RunJournal> get(ClusterName cluster, RunId id) {
        return read(stem(cluster, id));
    }

    @Override
    public List<RunJournal> listAll() {
        return readAll(ROOT);
    }

    /** Lists only the cluster's own journals: this is the lock check of every begin. */
    @Override
    public List<RunJournal> unfinished(ClusterName cluster) {
        return readAll(ROOT + cluster.value() + "/").stream().filter(journal -> !journal.state().isFinished()).toList();
    }

    private List<RunJournal> readAll(String prefix) {
        Set<String> stems = new LinkedHashSet<>();
        for (BlobInfo info : store.list(prefix)) {
            String key = info.key().value();
            if (key.endsWith(MAIN)) {
                stems.add(key.substring(0, key.length() - MAIN.length()));
            } else if (key.endsWith(COPY)) {
                stems.add(key.substring(0, key.length() - COPY.length()));
            }
        }
        List<RunJournal> journals = new ArrayList<>();
        for (String stem : stems) {
            read(stem).ifPresent(journals::add);
        }
        return journals;
    }

    /** The main copy if it is sound, else its twin; empty if neither exists. */
    private Optional<RunJournal> read(String stem) {
        RuntimeException firstProblem = null;
        for (String suffix : List.of(MAIN, COPY)) {
            try {
                Optional<byte[]> bytes = readBytes(new BlobKey(stem + suffix));
                if (bytes.isPresent()) {
                    return Optional.of(codec.decode(bytes.get()));
                }
            } catch (ChecksummedJson.CorruptDocumentException e) {
                LOG.warn("{}{} is not usable ({}); trying its twin", stem, suffix, e.getMessage());
                firstProblem = firstProblem == null ? e : firstProblem;
            }
        }
        if (firstProblem != null) {
            throw firstProblem;
        }
        return Optional.empty();
    }

    private Optional<byte[]> readBytes(BlobKey key) {
        Optional<InputStream> stream = store.open(key);
        if (stream.isEmpty()) {
            return Optional.empty();
        }
        try (InputStream in = stream.get()) {
            return Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + key.value() + " from " + store.describe(), e);
        }
    }

    private static String stem(ClusterName cluster, RunId id) {
        return ROOT + cluster.value() + "/" + id.value();
    }
}
