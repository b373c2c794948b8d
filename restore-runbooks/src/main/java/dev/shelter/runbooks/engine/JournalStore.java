package dev.shelter.runbooks.engine;

import dev.shelter.runbooks.backup.ClusterName;

import java.util.List;
import java.util.Optional;

/**
 * Where run journals are kept, durably: a put returns only once the journal would survive a crash.
 * Every adapter passes {@code JournalStoreContract}.
 */
public interface JournalStore {

    /** Writes the journal, replacing the earlier version of the same run. */
    void put(RunJournal journal);

    Optional<RunJournal> get(ClusterName cluster, RunId id);

    /** Every journal, whatever its cluster or state. */
    List<RunJournal> listAll();

    /** The runs a crash may have left behind: those not finished. */
    default List<RunJournal> unfinished() {
        return listAll().stream().filter(journal -> !journal.state().isFinished()).toList();
    }

    /** Every journal of one cluster, whatever its state. */
    default List<RunJournal> list(ClusterName cluster) {
        return listAll().stream().filter(journal -> journal.cluster().equals(cluster)).toList();
    }

    /** The unfinished runs of one cluster (at most one, unless something went wrong): its lock. */
    default List<RunJournal> unfinished(ClusterName cluster) {
        return list(cluster).stream().filter(journal -> !journal.state().isFinished()).toList();
    }
}
