package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.cluster.VolumeSpec;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the volumes of the backup set where they are now (on Kubernetes, the images the
 * primary's claims resolve to), checks each is there, and journals them with the name of the
 * snapshot each will get, so every later step, and a recovery after a crash, acts on exactly these
 * and not on the configured names. A missing volume, or one with no room for another snapshot,
 * fails the backup before PostgreSQL enters backup mode or is stopped.
 */
final class LocateVolumes implements Step<BackupRun> {

    static final String COUNT = "volumes";

    static String volumeKey(int index) {
        return "volume." + index;
    }

    /** The located volumes, in the order of the configured set; empty until this step has run. */
    static Optional<List<String>> located(Facts facts) {
        Optional<String> count = facts.get(COUNT);
        if (count.isEmpty()) {
            return Optional.empty();
        }
        List<String> volumes = new ArrayList<>();
        for (int i = 0; i < Integer.parseInt(count.get()); i++) {
            volumes.add(facts.require(volumeKey(i)));
        }
        return Optional.of(volumes);
    }

    @Override
    public String name() {
        return "LocateVolumes";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        return "the backup set of " + run.cluster().name() + ": " + String.join(", ",
                run.cluster().spec().volumes().stream().map(v -> v.role().name().toLowerCase() + " " + v.source()).toList());
    }

    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        return facts.get(COUNT).isPresent();
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        List<VolumeSpec> specs = run.cluster().spec().volumes();
        List<String> located = run.cluster().volumes().locate(specs);
        // NOT_FOUND, naming it, if a volume is missing; a conflict if one has no room for another snapshot.
        SnapshotRoom.require(run.cluster(), located);
        for (int i = 0; i < located.size(); i++) {
            step.record(volumeKey(i), located.get(i));
        }
        SnapshotSet.journal(run, located, step);
        step.record(COUNT, Integer.toString(located.size()));
    }
}
