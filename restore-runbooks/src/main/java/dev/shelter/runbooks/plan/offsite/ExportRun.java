package dev.shelter.runbooks.plan.offsite;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.storage.offsite.OffsiteRepository;

import java.time.Clock;
import java.util.Optional;

/** What the steps of one backup's export share. */
public final class ExportRun {

    /** How far back an export looks for the previous copy to go on from. */
    private static final int PREVIOUS_LOOKBACK = 100;

    private final ProtectedCluster cluster;
    private final BackupCatalog catalog;
    private final OffsiteRepository repository;
    private final ExportSettings settings;
    private final Clock clock;
    private final BackupId id;

    public ExportRun(ProtectedCluster cluster, BackupCatalog catalog, OffsiteRepository repository, ExportSettings settings, Clock clock,
                     BackupId id) {
        this.cluster = cluster;
        this.catalog = catalog;
        this.repository = repository;
        this.settings = settings;
        this.clock = clock;
        this.id = id;
    }

    /** The name of a volume's copy in the repository: the backup, then the volume's name in the backup set. */
    public static String copyName(BackupId backup, VolumeSnapshot snapshot) {
        return backup.value() + "/" + snapshot.role().name().toLowerCase(java.util.Locale.ROOT) + "-" + snapshot.name();
    }

    ProtectedCluster cluster() {
        return cluster;
    }

    OffsiteRepository repository() {
        return repository;
    }

    ExportSettings settings() {
        return settings;
    }

    Clock clock() {
        return clock;
    }

    BackupId id() {
        return id;
    }

    BackupManifest manifest() {
        return catalog.find(id).orElseThrow(() -> new IllegalStateException("backup " + id + " has no manifest in the catalog"));
    }

    void record(BackupManifest manifest) {
        catalog.record(manifest);
    }

    /**
     * The newest completed backup of the cluster that ended before this one and has a copy of the
     * volume: an export goes on from its copy, by a diff or a comparison.
     */
    Optional<BackupManifest> previousWithCopyOf(VolumeSnapshot volume) {
        BackupManifest self = manifest();
        return catalog.list(self.cluster(), Optional.of(BackupState.COMPLETED), 0, PREVIOUS_LOOKBACK).items().stream()
                .filter(other -> other.offsite() != null && !other.id().equals(id))
                .filter(other -> other.window().endedAt().isBefore(self.window().endedAt()))
                .filter(other -> other.snapshots().stream().anyMatch(s -> s.role() == volume.role() && s.name().equals(volume.name())))
                .max(java.util.Comparator.comparing(other -> other.window().endedAt()));
    }
}
