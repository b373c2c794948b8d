package dev.shelter.runbooks.plan.offsite;

import dev.shelter.runbooks.backup.OffsiteCopy;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

import java.util.ArrayList;
import java.util.List;

/** The backup's manifest says it has a copy off site, with what the copies of its volumes took. */
final class RecordBackupExported implements Step<ExportRun> {

    @Override
    public String name() {
        return "RecordBackupExported";
    }

    @Override
    public String target(ExportRun run, Facts facts) {
        return "the manifest of backup " + run.id();
    }

    @Override
    public boolean isDone(ExportRun run, Facts facts) {
        return run.manifest().offsite() != null;
    }

    @Override
    public void execute(ExportRun run, StepRun step) {
        long read = 0;
        long sent = 0;
        int uploaded = 0;
        int reused = 0;
        boolean incremental = false;
        List<String> distrust = new ArrayList<>();
        for (VolumeSnapshot snapshot : run.manifest().snapshots()) {
            String name = ExportRun.copyName(run.id(), snapshot);
            // A copy made by an earlier run of the plan that left no facts counts as made, with unknown figures.
            ExportVolumes.Figures figures = step.facts().get(ExportVolumes.COPY + name)
                    .map(text -> ExportVolumes.Figures.decode(text, step.facts().get(ExportVolumes.COPY + name + ".distrust")))
                    .orElse(new ExportVolumes.Figures(0, 0, 0, 0, false, java.util.Optional.empty()));
            read += figures.bytesRead();
            sent += figures.bytesUploaded();
            uploaded += figures.chunksUploaded();
            reused += figures.chunksReused();
            incremental |= figures.incremental();
            figures.distrust().ifPresent(d -> distrust.add(snapshot.name() + ": " + d));
        }
        run.record(run.manifest().exportedAs(new OffsiteCopy(run.clock().instant(), read, sent, uploaded, reused, incremental,
                distrust.isEmpty() ? null : String.join("; ", distrust))));
    }
}
