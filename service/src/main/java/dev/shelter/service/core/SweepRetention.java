package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.plan.backup.SnapshotRoom;
import dev.shelter.runbooks.retention.RetainedBackup;
import dev.shelter.runbooks.retention.RetentionDecision;
import dev.shelter.runbooks.retention.RetentionPolicy;
import dev.shelter.runbooks.wal.WalArchiveInspection;
import dev.shelter.runbooks.wal.WalPruning;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Applies a cluster's retention policy to its completed backups. A dry run answers what would go
 * and why, and changes nothing; a sweep deletes them oldest first, each through {@link DeleteBackup}
 * (a journaled plan: snapshots, then the manifest's tombstone), so a sweep cut off by a crash
 * leaves whole backups. A backup in use (a clone depends on its snapshots) is left and said so; a
 * cluster that another run holds (a backup, a restore) stops the sweep before it deletes anything more.
 * Running backups are never judged. Then WAL no remaining backup needs goes: see {@link #removeWal}. A volume at
 * 90 % of its snapshot limit is warned of.
 */
public final class SweepRetention {

    private static final Logger LOG = LoggerFactory.getLogger(SweepRetention.class);

    /** The decision, and on a sweep what was deleted and what was refused with why. */
    public record Outcome(String policy, boolean dryRun, RetentionDecision decision, List<String> running, List<String> deleted,
                          Map<String, String> refused, List<String> warnings, WalRemoval wal) {
    }

    /**
     * The WAL the sweep removed (or would): of system {@code system}, every file before the segment
     * of {@code keptFrom}, the oldest start among the backups that remain. {@code note} says why
     * none went, when none did.
     */
    public record WalRemoval(Optional<String> system, Optional<Lsn> keptFrom, WalPruning.Pruned pruned, Optional<String> note) {

        static WalRemoval none(String why) {
            return new WalRemoval(Optional.empty(), Optional.empty(), WalPruning.Pruned.NOTHING, Optional.of(why));
        }
    }

    private final ClusterRegistry clusters;
    private final BackupCatalog catalog;
    private final DeleteBackup deleteBackup;
    private final Map<String, RetentionPolicy> policies;
    private final RetentionListener listener;
    private final Clock clock;

    public SweepRetention(ClusterRegistry clusters, BackupCatalog catalog, DeleteBackup deleteBackup, Map<String, RetentionPolicy> policies,
                          RetentionListener listener, Clock clock) {
        this.clusters = clusters;
        this.catalog = catalog;
        this.deleteBackup = deleteBackup;
        this.policies = Map.copyOf(policies);
        this.listener = listener;
        this.clock = clock;
    }

    public boolean hasPolicy(String clusterName) {
        return policies.containsKey(clusterName);
    }

    public Outcome preview(String clusterName) {
        Outcome decided = decide(clusterName, true);
        Set<String> going = decided.decision().deleted().stream().map(backup -> backup.id().value()).collect(Collectors.toSet());
        return withWal(decided, removeWal(clusters.require(clusterName), going, true));
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
                    listener.swept(clusterName, deleted.size(), WalPruning.Pruned.NOTHING);
                    throw new ConflictException("the sweep stopped after deleting " + deleted.size() + " backup(s): " + e.getMessage());
                }
                refused.put(backup.id().value(), e.getMessage());
            }
        }
        WalRemoval wal = removeWal(clusters.require(clusterName), Set.of(), false);
        listener.swept(clusterName, deleted.size(), wal.pruned());
        LOG.info("retention sweep of {}: {} deleted, {} refused, {} kept; {} WAL file(s) removed ({} bytes){}", clusterName,
                deleted.size(), refused.size(), decided.decision().kept().size(), wal.pruned().files(), wal.pruned().bytes(),
                wal.note().map(note -> ": " + note).orElse(""));
        return withWal(new Outcome(decided.policy(), false, decided.decision(), decided.running(), deleted, refused, decided.warnings(),
                null), wal);
    }

    /**
     * Removes the archive's WAL that no remaining backup needs: every file before the segment the
     * oldest start LSN of the completed and running backups (but {@code going}) lies in, on every
     * timeline and incarnation. A recovery from a backup replays from its start onward, and LSNs only
     * grow along any timeline's history, so nothing before the oldest start is read again. Only
     * backups of the archive's own system count; without one, nothing goes. Read from the catalog
     * after the deletions, so a backup a deletion refused still counts; a running backup that has no
     * start yet begins after everything there is.
     */
    private WalRemoval removeWal(ProtectedCluster cluster, Set<String> going, boolean dryRun) {
        Optional<WalPruning> pruning = cluster.walArchive().pruning();
        if (pruning.isEmpty()) {
            return WalRemoval.none("the archive (" + cluster.walArchive().describe() + ") keeps plain files, which do not say "
                    + "which system they belong to: its WAL is never removed by a sweep");
        }
        Optional<SystemIdentifier> system;
        try {
            system = cluster.walArchive().inspection().flatMap(WalArchiveInspection::currentIncarnation)
                    .map(WalArchiveInspection.Incarnation::system);
        } catch (RuntimeException e) {
            return WalRemoval.none("the archive could not be read: " + e.getMessage());
        }
        if (system.isEmpty()) {
            return WalRemoval.none("the archive holds no WAL yet");
        }
        String clusterName = cluster.spec().name().value();
        Optional<Lsn> keptFrom = java.util.stream.Stream.of(BackupState.COMPLETED, BackupState.RUNNING)
                .flatMap(state -> catalog.inState(state).stream())
                .filter(manifest -> manifest.cluster().value().equals(clusterName) && !going.contains(manifest.id().value()))
                .filter(manifest -> manifest.window() != null && manifest.server() != null
                        && manifest.server().systemIdentifier().equals(system.get()))
                .map(manifest -> manifest.window().startLsn()).min(Lsn::compareTo);
        if (keptFrom.isEmpty()) {
            return WalRemoval.none("no backup of system " + system.get() + " remains: its WAL is kept");
        }
        WalPruning.Pruned pruned = pruning.get().pruneBefore(system.get(), keptFrom.get(), dryRun);
        return new WalRemoval(Optional.of(system.get().toString()), keptFrom, pruned, Optional.empty());
    }

    private static Outcome withWal(Outcome outcome, WalRemoval wal) {
        return new Outcome(outcome.policy(), outcome.dryRun(), outcome.decision(), outcome.running(), outcome.deleted(), outcome.refused(),
                outcome.warnings(), wal);
    }

    private Outcome decide(String clusterName, boolean dryRun) {
        ProtectedCluster cluster = clusters.require(clusterName);
        RetentionPolicy policy = policies.get(clusterName);
        if (policy == null) {
            throw new ConflictException("cluster '" + clusterName + "' has no retention policy (clusters[].retention); nothing is swept");
        }
        List<BackupManifest> ofCluster = catalog.inState(BackupState.COMPLETED).stream()
                .filter(manifest -> manifest.cluster().value().equals(clusterName)).toList();
        List<RetainedBackup> completed = ofCluster.stream().map(manifest -> new RetainedBackup(manifest.id(),
                manifest.window().endedAt(), manifest.hasProtection())).toList();
        List<String> running = catalog.inState(BackupState.RUNNING).stream()
                .filter(manifest -> manifest.cluster().value().equals(clusterName)).map(manifest -> manifest.id().value()).toList();
        RetentionDecision decision = policy.decide(completed, clock.instant());
        List<String> warnings;
        try {
            warnings = SnapshotRoom.warnings(cluster, cluster.volumes().locate(cluster.spec().volumes()));
        } catch (RuntimeException e) {
            warnings = List.of("the snapshots of the backup set could not be counted: " + e.getMessage());
        }
        warnings.forEach(warning -> LOG.warn("cluster {}: {}; a backup is refused at {}", clusterName, warning,
                cluster.policy().maxSnapshotsPerVolume()));
        return new Outcome(policy.rule().describe() + (policy.minimumKept() > 0 ? ", and at least the " + policy.minimumKept()
                + " newest" : ""), dryRun, decision, running, List.of(), Map.of(), warnings, null);
    }
}
