package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.storage.blob.BlobInfo;
import dev.shelter.storage.blob.BlobStore;

import java.util.List;

/** A teardown's last step: the WAL the new cluster archived goes with it; the source's archive is another prefix, never read here. */
final class RemoveNewClusterArchive implements Step<RestoreRun> {

    @Override
    public String name() {
        return "RemoveNewClusterArchive";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return run.requireNewCluster().copy().walArchive().describe();
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        RestoreRun.NewCluster copy = run.requireNewCluster();
        return copy.archiveStore().list(copy.archivePrefix()).isEmpty();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        RestoreRun.NewCluster copy = run.requireNewCluster();
        BlobStore store = copy.archiveStore();
        List<BlobInfo> blobs = store.list(copy.archivePrefix());
        for (int i = 0; i < blobs.size(); i++) {
            store.delete(blobs.get(i).key());
            step.progress(i + 1, blobs.size(), "files");
        }
    }
}
