package dev.shelter.service.core;

import dev.shelter.runbooks.wal.WalPruning;

/** Told of every retention sweep that ran (not of dry runs): metrics. */
public interface RetentionListener {

    RetentionListener NONE = (cluster, deletedBackups, wal) -> { };

    void swept(String cluster, int deletedBackups, WalPruning.Pruned wal);
}
