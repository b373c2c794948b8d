package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.failure.ConflictException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * Copies each completed backup of the clusters that ask for it ({@code backups.exportOffsite}) off
 * site as soon as it ends. A copy that cannot start now (another run holds the cluster) is said in
 * the log, and can be asked for later: nothing is lost, the backup is there.
 */
public final class ExportAfterBackup implements BackupListener {

    private static final Logger LOG = LoggerFactory.getLogger(ExportAfterBackup.class);

    private final Set<String> clusters;
    private final ExportBackup exports;

    public ExportAfterBackup(Set<String> clusters, ExportBackup exports) {
        this.clusters = Set.copyOf(clusters);
        this.exports = exports;
    }

    @Override
    public void backupEnded(BackupManifest manifest) {
        if (manifest.state() != BackupState.COMPLETED || !clusters.contains(manifest.cluster().value())) {
            return;
        }
        try {
            exports.start(manifest.id().value());
            LOG.info("backup {} of {} completed: its off-site copy is being made", manifest.id(), manifest.cluster());
        } catch (ConflictException e) {
            LOG.warn("backup {} of {} completed, but its off-site copy cannot start now: {}; POST /api/v1/backups/{}/export makes it",
                    manifest.id(), manifest.cluster(), e.getMessage(), manifest.id());
        }
    }
}
