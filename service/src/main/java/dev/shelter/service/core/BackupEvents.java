package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.cluster.ClusterEvent;
import dev.shelter.runbooks.cluster.ProtectedCluster;

import java.util.Locale;
import java.util.Map;

/**
 * Tells the people watching a cluster what Shelter did to it: each backup's end becomes an event on
 * the cluster's own object ({@code kubectl describe statefulset} shows BackupCompleted or
 * BackupFailed with the reason). Recording is best effort: it never fails a backup.
 */
public final class BackupEvents implements BackupListener {

    private final Map<String, ProtectedCluster> clusters;

    public BackupEvents(Map<String, ProtectedCluster> clusters) {
        this.clusters = clusters;
    }

    @Override
    public void backupEnded(BackupManifest manifest) {
        ProtectedCluster cluster = clusters.get(manifest.cluster().value());
        if (cluster == null) {
            return;
        }
        cluster.control().recordEvent(eventFor(manifest));
    }

    static ClusterEvent eventFor(BackupManifest manifest) {
        if (manifest.state() == BackupState.COMPLETED) {
            return ClusterEvent.normal("BackupCompleted", "Shelter backup " + manifest.id() + " (" + manifest.request().mode()
                    .name().toLowerCase(Locale.ROOT) + ") completed: " + manifest.snapshots().size()
                    + " snapshot(s), consistent at " + manifest.window().stopLsn());
        }
        return ClusterEvent.warning("BackupFailed", "Shelter backup " + manifest.id() + " failed: " + manifest.failure());
    }
}
