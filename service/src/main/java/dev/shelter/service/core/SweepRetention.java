package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.plan.backup.SnapshotRoom;
import dev.shelter.runbooks.retention.RetainedBackup;
import dev.shelter.runbooks.retention.RetentionDecision;
import dev.shelter.runbooks.retention.RetentionPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies a cluster's retention policy to its completed backups. A dry run answers what would go
 * and why, and changes nothing; a sweep deletes them oldest first, each through {@link DeleteBackup}
 * (a journaled plan: snapshots, then the manifest's tombstone), so a sweep cut off by a crash
 * leaves whole backups. A backup in use (a clone depends on its snapshots) is left and said so; a
 * cluster that another run holds (a backup, a restore) stops the sweep before it deletes anything more.
 * Running backups are never judged. WAL is not deleted yet. A volume at 90 % of its snapshot limit is warned of.
 */
public final class SweepRetention {

    private static final Logger LOG = LoggerFactory.getLogger(SweepRetention.class);

    /** The decision, and on a sweep what was deleted and what was refused with why. */
    public record Outcome(String policy, boolean dryRun, RetentionDecision decision, List<String> running, List<String> deleted,
                          Map<String, String> refused, List<String> warnings) {
    }

    private final ClusterRegistry clusters;
    private final BackupCatalog catalog;
    private final DeleteBackup deleteBackup;
    private final Map<String, RetentionPolicy> policies;
    private final Clock clock;

    public SweepRetention(ClusterRegistry clusters, BackupCatalog catalog, DeleteBackup deleteBackup, Map<String, RetentionPolicy> policies,
                          Clock clock) {
        this.clusters = clusters;
        this.catalog = catalog;
        this.deleteBackup = deleteBackup;
        this.policies = Map.copyOf(policies);
        this.clock = clock;
    }

    public boolean hasPolicy(String clusterName) {
        return policies.containsKey(clusterName);
    }

    public Outcome preview(String clusterName) {
        return decide(clusterName, true);
    }

    /** Deletes what the policy lets go; {@code confirm} must name the cluster. */
    public Outcome sweep(String clusterName, String confirm) {
        clusters.require(clusterName);
        if (!clusterName.equals(confirm)) {
            throw new InvalidRequestException("a sweep deletes backups of cluster '" + clusterName + "': to go ahead, send confirm="
                    + clusterName + " (or dryRun=true to see what would go)");
        }
        Outcome decided = decide(clusterName, false);
        List<String> deleted = new java.util.ArrayList<>();
        Map<String, String> refused = new LinkedHashMap<>();
        List<RetainedBackup> oldestFirst = new java.util.ArrayList<>(decided.decision().deleted());
        java.util.Collections.reverse(oldestFirst);
        for (RetainedBackup backup : oldestFirst) {
            try {
                deleteBackup.delete(backup.id().value());
                deleted.add(backup.id().value());
            } catch (ConflictException e) {
                if (e.getMessage().contains("is busy")) {
                    LOG.info("retention sweep of {} stopped after {} deletion(s): {}", clusterName, deleted.size(), e.getMessage());
                    throw new ConflictException("the sweep stopped after deleting " + deleted.size() + " backup(s): " + e.getMessage());
                }
                refused.put(backup.id().value(), e.getMessage());
            }
        }
        LOG.info("retention sweep of {}: {} deleted, {} refused, {} kept", clusterName, deleted.size(), refused.size(),
                decided.decision().kept().size());
        return new Outcome(decided.policy(), false, decided.decision(), decided.running(), deleted, refused, decided.warnings());
    }

    private Outcome decide(String clusterName, boolean dryRun) {
        clusters.require(clusterName);
        RetentionPolicy policy = policies.get(clusterName);
        if (policy == null) {
            throw new ConflictException("cluster '" + clusterName + "' has no retention policy (clusters[].retention); nothing is swept");
        }
        List<BackupManifest> ofCluster = catalog.inState(BackupState.COMPLETED).stream()
                .filter(manifest -> manifest.cluster().value().equals(clusterName)).toList();
        List<RetainedBackup> completed = ofCluster.stream().map(manifest -> new RetainedBackup(manifest.id(),
                manifest.window().endedAt(), false)).toList();
        List<String> running = catalog.inState(BackupState.RUNNING).stream()
                .filter(manifest -> manifest.cluster().value().equals(clusterName)).map(manifest -> manifest.id().value()).toList();
        RetentionDecision decision = policy.decide(completed, clock.instant());
        ProtectedCluster cluster = clusters.require(clusterName);
        List<String> warnings;
        try {
            warnings = SnapshotRoom.warnings(cluster, cluster.volumes().locate(cluster.spec().volumes()));
        } catch (RuntimeException e) {
            warnings = List.of("the snapshots of the backup set could not be counted: " + e.getMessage());
        }
        warnings.forEach(warning -> LOG.warn("cluster {}: {}; a backup is refused at {}", clusterName, warning,
                cluster.policy().maxSnapshotsPerVolume()));
        return new Outcome(policy.rule().describe() + (policy.minimumKept() > 0 ? ", and at least the " + policy.minimumKept()
                + " newest" : ""), dryRun, decision, running, List.of(), Map.of(), warnings);
    }
}
