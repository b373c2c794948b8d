package dev.shelter.runbooks.plan.offsite;

import dev.shelter.runbooks.engine.OnInterrupt;
import dev.shelter.runbooks.engine.Plan;

import java.util.List;

/**
 * Copying a completed backup into the off-site repository: its volumes, then the record in its
 * manifest. Interrupted, it resumes: volumes copied are kept, and the one cut off is copied again,
 * sending only the chunks the repository lacks.
 */
public final class ExportBackupPlan {

    public static final String NAME = "export-backup";

    private ExportBackupPlan() {
    }

    public static Plan<ExportRun> create() {
        return new Plan<>(NAME, List.of(new ExportVolumes(), new RecordBackupExported()), OnInterrupt.RESUME);
    }
}
