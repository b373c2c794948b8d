package dev.shelter.runbooks.plan.offsite;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.storage.offsite.ChunkStore;
import dev.shelter.storage.offsite.ImageExport;
import dev.shelter.storage.offsite.ImageManifest;
import dev.shelter.storage.offsite.SampleCheck;
import dev.shelter.storage.offsite.TreeExport;
import dev.shelter.storage.offsite.TreeManifest;
import dev.shelter.storage.offsite.UploadThrottle;
import dev.shelter.storage.snapshot.SnapshotBlocks;
import dev.shelter.storage.snapshot.SnapshotFeature;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.storage.snapshot.VolumeSnapshotter;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Copies each snapshot of the backup into the off-site repository: a block volume as an image, a
 * directory as a tree, each going on from the volume's copy in the previous exported backup where
 * there is one (by the snapshots' diff, or by comparing files). A volume whose copy is there is
 * done: its manifest is written after all its chunks. So an export cut off resumes at the volume
 * it was in, and sends none of that volume's chunks again.
 */
final class ExportVolumes implements Step<ExportRun> {

    static final String COPY = "copy.";

    @Override
    public String name() {
        return "ExportVolumes";
    }

    @Override
    public String target(ExportRun run, Facts facts) {
        return String.join(", ", run.manifest().snapshots().stream().map(s -> s.ref().toString()).toList()) + " into "
                + run.repository().describe();
    }

    @Override
    public boolean isDone(ExportRun run, Facts facts) {
        return run.manifest().snapshots().stream().allMatch(snapshot -> hasCopy(run, ExportRun.copyName(run.id(), snapshot)));
    }

    @Override
    public void execute(ExportRun run, StepRun step) {
        // The journal is written: from here a garbage collection sees this export, or this export sees it.
        run.repository().garbageCollection().requireNoSweep(run.clock().instant());
        ChunkStore chunks = run.repository().chunks().listingStored(); // after the fence: what it lists stays
        List<VolumeSnapshot> snapshots = run.manifest().snapshots();
        for (VolumeSnapshot snapshot : snapshots) {
            String name = ExportRun.copyName(run.id(), snapshot);
            if (hasCopy(run, name)) {
                continue;
            }
            VolumeSnapshotter snapshotter = run.cluster().snapshotter();
            Optional<BackupManifest> previous = run.previousWithCopyOf(snapshot);
            Figures figures = snapshotter.features().contains(SnapshotFeature.BLOCK_READ)
                    ? exportImage(run, step, chunks, snapshot, name, previous)
                    : exportTree(run, step, chunks, snapshot, name, previous);
            step.record(COPY + name, figures.encode());
            figures.distrust().ifPresent(distrust -> step.record(COPY + name + ".distrust", distrust));
        }
    }

    @Override
    public Duration timeout() {
        return Duration.ofHours(24); // a first copy of a large volume over a slow link
    }

    /** A store that fails for a while, or a garbage collection deleting chunks: tried again, sending none twice. */
    @Override
    public FailurePolicy onFailure() {
        return FailurePolicy.retry(5, Duration.ofSeconds(30), FailurePolicy.rollBack());
    }

    private static Figures exportImage(ExportRun run, StepRun step, ChunkStore chunks, VolumeSnapshot snapshot, String name,
                                       Optional<BackupManifest> previous) {
        VolumeSnapshotter snapshotter = run.cluster().snapshotter();
        ImageExport export = new ImageExport(chunks, run.settings().parallelUploads(),
                new UploadThrottle(run.settings().bandwidthBytesPerSecond()), sample(run));
        Optional<ImageExport.Previous> from = previous.flatMap(before -> before.snapshots().stream()
                .filter(s -> s.role() == snapshot.role() && s.name().equals(snapshot.name())).findFirst())
                .filter(before -> snapshotter.features().contains(SnapshotFeature.BLOCK_DIFF))
                .filter(before -> before.ref().volume().equals(snapshot.ref().volume()) && snapshotter.exists(before.ref()))
                .flatMap(before -> run.repository().copies().findImage(ExportRun.copyName(previous.get().id(), before))
                        .map(manifest -> new ImageExport.Previous(manifest, snapshotter.changedExtents(before.ref(), snapshot.ref()))));
        ImageExport.Result result;
        try (SnapshotBlocks blocks = snapshotter.openBlocks(snapshot.ref())) {
            java.util.function.Consumer<ImageExport.Stats> progress = stats -> {
                step.progress(stats.piecesDone(), stats.piecesTotal(), "pieces of " + snapshot.name());
                step.checkCancelled(); // a cancelled or timed-out attempt stops between pieces
            };
            result = from.isPresent() ? export.exportIncremental(blocks, from.get(), progress) : export.exportFull(blocks, progress);
        }
        ImageManifest manifest = result.manifest();
        run.repository().copies().putImage(name, manifest);
        ImageExport.Stats stats = result.stats();
        return new Figures(stats.bytesRead(), stats.bytesUploaded(), stats.chunksUploaded(), stats.chunksReused(), from.isPresent(),
                result.distrustedDiff());
    }

    private static Figures exportTree(ExportRun run, StepRun step, ChunkStore chunks, VolumeSnapshot snapshot, String name,
                                      Optional<BackupManifest> previous) {
        SnapshotRef ref = snapshot.ref();
        TreeExport export = new TreeExport(chunks, run.settings().parallelUploads(),
                new UploadThrottle(run.settings().bandwidthBytesPerSecond()), sample(run));
        Optional<TreeManifest> before = previous.flatMap(p -> p.snapshots().stream()
                        .filter(s -> s.role() == snapshot.role() && s.name().equals(snapshot.name())).findFirst()
                        .flatMap(s -> run.repository().copies().findTree(ExportRun.copyName(p.id(), s))));
        java.util.function.Predicate<String> leftOut = switch (snapshot.role()) {
            case PGDATA -> PgdataLeftOut::test;
            case PGWAL -> path -> true; // a WAL volume is pg_wal: its directories are kept, its segments replayed from the archive
            default -> path -> false;
        };
        TreeExport.Result result = export.export(run.cluster().snapshotter().fileTree(ref), before, leftOut, stats -> {
            step.progress(stats.filesDone(), stats.filesTotal(), "files of " + snapshot.name());
            step.checkCancelled(); // a cancelled or timed-out attempt stops between files
        });
        run.repository().copies().putTree(name, result.manifest());
        TreeExport.Stats stats = result.stats();
        return new Figures(stats.bytesRead(), stats.bytesUploaded(), stats.chunksUploaded(), stats.chunksReused(), before.isPresent(),
                result.distrustedComparison());
    }

    private static SampleCheck sample(ExportRun run) {
        return new SampleCheck(run.settings().samplePercent(), new SplittableRandom());
    }

    private static boolean hasCopy(ExportRun run, String name) {
        return run.repository().copies().has(name);
    }

    /** What copying one volume took, as recorded in the run's facts for {@link RecordBackupExported}. */
    record Figures(long bytesRead, long bytesUploaded, int chunksUploaded, int chunksReused, boolean incremental,
                   Optional<String> distrust) {

        String encode() {
            return bytesRead + " " + bytesUploaded + " " + chunksUploaded + " " + chunksReused + " " + incremental;
        }

        static Figures decode(String text, Optional<String> distrust) {
            String[] parts = text.split(" ");
            return new Figures(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Integer.parseInt(parts[2]), Integer.parseInt(parts[3]),
                    Boolean.parseBoolean(parts[4]), distrust);
        }
    }
}
