package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.plan.offsite.ExportRun;
import dev.shelter.runbooks.restore.RestoreRefusedException;
import dev.shelter.runbooks.restore.VolumeSwap;
import dev.shelter.storage.offsite.CorruptChunkException;
import dev.shelter.storage.offsite.CorruptManifestException;
import dev.shelter.storage.offsite.ImageManifest;
import dev.shelter.storage.offsite.ImageRestore;
import dev.shelter.storage.offsite.OffsiteRepository;
import dev.shelter.storage.offsite.TreeManifest;
import dev.shelter.storage.offsite.TreeRestore;
import dev.shelter.storage.snapshot.BlockWriter;
import dev.shelter.storage.snapshot.SnapshotFeature;
import dev.shelter.storage.snapshot.VolumeSnapshotter;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Rebuilds every volume of the backup set from its off-site copy, where a clone of its snapshot
 * would go (DESIGN.md section 4, from object storage): an image into a new block volume, a tree
 * into a new directory. The cluster still runs (or is gone): nothing it uses is touched, so a
 * missing or damaged chunk fails the restore here, naming the chunk and the backup, and the undo
 * removes what was written. A volume counts as rebuilt only once its fact is journaled after the
 * last byte: a resumed step removes a volume a crash cut short and writes it again.
 */
final class RebuildVolumes implements Step<RestoreRun> {

    static final String REBUILT = "volumeRebuilt.";
    static final String REBUILT_AT = "volumesRebuiltAt";

    @Override
    public String name() {
        return "RebuildVolumes";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        OffsiteRepository repository = run.requireFromObjectStore().repository();
        return String.join(", ", CloneSwapSteps.swaps(run, facts).stream()
                .map(s -> "copy " + ExportRun.copyName(run.backup().id(), s.snapshot()) + " -> " + s.cloneVolume()).toList())
                + " from " + repository.describe();
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return facts.get(REBUILT_AT).isPresent();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        VolumeSwap volumes = run.requireCloneSwap().volumes();
        List<VolumeSwap.Swap> swaps = CloneSwapSteps.swaps(run, step.facts());
        for (int i = 0; i < swaps.size(); i++) {
            VolumeSwap.Swap swap = swaps.get(i);
            if (step.facts().get(REBUILT + i).isPresent()) {
                continue;
            }
            volumes.discardClone(swap); // what a crash left half-written
            long bytes;
            try {
                bytes = rebuild(run, step, swap);
            } catch (CorruptChunkException e) {
                throw new IllegalStateException("backup " + run.backup().id() + " cannot be restored from "
                        + run.requireFromObjectStore().repository().describe() + ": " + e.getMessage() + " (needed by copy "
                        + ExportRun.copyName(run.backup().id(), swap.snapshot()) + "); nothing of the cluster was touched", e);
            }
            step.record(REBUILT + i, bytes + " bytes into " + swap.cloneVolume());
        }
        step.record(REBUILT_AT, run.clock().instant().toString());
    }

    /** What was written goes: rebuilt volumes are clones that never were swapped in. */
    @Override
    public void undo(RestoreRun run, Facts facts, String reason) {
        VolumeSwap volumes = run.requireCloneSwap().volumes();
        for (VolumeSwap.Swap swap : CloneSwapSteps.swaps(run, facts)) {
            volumes.discardClone(swap);
        }
    }

    @Override
    public Duration timeout() {
        return Duration.ofHours(24); // a large volume over a slow link
    }

    /**
     * Refuses, before anything changes, a backup whose copies this restore cannot rebuild: not
     * exported, a copy missing or not to be trusted (damaged, or under another master key), or an
     * image where the volumes cannot be written as blocks.
     */
    static void requireCopies(RestoreRun run) {
        BackupManifest backup = run.backup();
        OffsiteRepository repository = run.requireFromObjectStore().repository();
        if (backup.offsite() == null) {
            throw new RestoreRefusedException("backup " + backup.id() + " has no off-site copy: export it first, or restore another");
        }
        for (VolumeSnapshot snapshot : backup.snapshots()) {
            String name = ExportRun.copyName(backup.id(), snapshot);
            try {
                Optional<ImageManifest> image = repository.copies().findImage(name);
                if (image.isPresent() && !run.cluster().snapshotter().features().contains(SnapshotFeature.BLOCK_WRITE)) {
                    throw new RestoreRefusedException("copy " + name + " of backup " + backup.id() + " is a block image, and "
                            + run.cluster().snapshotter().describe() + " cannot write volumes as blocks");
                }
                if (image.isEmpty() && repository.copies().findTree(name).isEmpty()) {
                    throw new RestoreRefusedException("backup " + backup.id() + " has no copy " + name + " in " + repository.describe());
                }
            } catch (CorruptManifestException e) {
                throw new RestoreRefusedException("copy " + name + " of backup " + backup.id() + " cannot be used: " + e.getMessage(), e);
            }
        }
    }

    private static long rebuild(RestoreRun run, StepRun step, VolumeSwap.Swap swap) {
        RestoreRun.FromObjectStore from = run.requireFromObjectStore();
        String name = ExportRun.copyName(run.backup().id(), swap.snapshot());
        Optional<ImageManifest> image = from.repository().copies().findImage(name);
        if (image.isPresent()) {
            VolumeSnapshotter snapshotter = run.cluster().snapshotter();
            try (BlockWriter writer = snapshotter.createBlockVolume(swap.cloneVolume(), image.get().sizeBytes())) {
                return new ImageRestore(from.repository().chunks(), from.parallelFetches()).restore(image.get(), writer, stats -> {
                    step.progress(stats.piecesWritten(), stats.piecesStored(), "pieces of " + swap.snapshot().name());
                    step.checkCancelled();
                }).bytesWritten();
            }
        }
        TreeManifest tree = from.repository().copies().findTree(name).orElseThrow(() -> new IllegalStateException(
                "backup " + run.backup().id() + " has no copy " + name + " in " + from.repository().describe() + " any more"));
        return new TreeRestore(from.repository().chunks(), from.parallelFetches()).restore(tree, Path.of(swap.cloneVolume()), stats -> {
            step.progress(stats.piecesWritten(), stats.piecesStored(), "pieces of " + swap.snapshot().name());
            step.checkCancelled();
        }).bytesWritten();
    }
}
