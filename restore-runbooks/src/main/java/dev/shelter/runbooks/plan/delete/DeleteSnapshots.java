package dev.shelter.runbooks.plan.delete;

import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.storage.snapshot.SnapshotException;
import dev.shelter.storage.snapshot.SnapshotRef;

import java.util.List;

/** Every snapshot of the backup; one already gone counts as deleted, so a resumed delete finishes the rest. */
final class DeleteSnapshots implements Step<DeleteRun> {

    @Override
    public String name() {
        return "DeleteSnapshots";
    }

    @Override
    public String target(DeleteRun run, Facts facts) {
        List<SnapshotRef> refs = refs(run);
        return refs.isEmpty() ? "no snapshots" : String.join(", ", refs.stream().map(SnapshotRef::toString).toList());
    }

    @Override
    public boolean isDone(DeleteRun run, Facts facts) {
        return refs(run).stream().noneMatch(ref -> run.cluster().snapshotter().exists(ref));
    }

    @Override
    public void execute(DeleteRun run, StepRun step) {
        List<SnapshotRef> refs = refs(run);
        for (int i = 0; i < refs.size(); i++) {
            SnapshotRef ref = refs.get(i);
            try {
                run.cluster().snapshotter().deleteSnapshot(ref);
            } catch (SnapshotException e) {
                if (e.reason() == SnapshotException.Reason.PROTECTED) { // protected since the use case checked: a clone began
                    throw new ConflictException("snapshot " + ref + " of backup " + run.id() + " is protected: a restore or clone uses it");
                }
                throw e;
            }
            step.progress(i + 1, refs.size(), "snapshots");
        }
    }

    static List<SnapshotRef> refs(DeleteRun run) {
        return run.manifest().snapshots().stream().map(VolumeSnapshot::ref).toList();
    }
}
