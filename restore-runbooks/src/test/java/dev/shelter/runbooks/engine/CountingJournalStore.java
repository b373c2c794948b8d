package dev.shelter.runbooks.engine;

import dev.shelter.runbooks.backup.ClusterName;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** Passes everything to a real store and keeps every journal put, in order. */
final class CountingJournalStore implements JournalStore {

    private final JournalStore delegate;
    final List<RunJournal> puts = new CopyOnWriteArrayList<>();

    CountingJournalStore(JournalStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public void put(RunJournal journal) {
        delegate.put(journal);
        puts.add(journal);
    }

    @Override
    public Optional<RunJournal> get(ClusterName cluster, RunId id) {
        return delegate.get(cluster, id);
    }

    @Override
    public List<RunJournal> listAll() {
        return delegate.listAll();
    }

    @Override
    public List<RunJournal> unfinished(ClusterName cluster) {
        return delegate.unfinished(cluster);
    }
}
