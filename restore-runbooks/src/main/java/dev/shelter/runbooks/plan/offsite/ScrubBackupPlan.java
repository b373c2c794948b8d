package dev.shelter.runbooks.plan.offsite;

import dev.shelter.runbooks.engine.OnInterrupt;
import dev.shelter.runbooks.engine.Plan;

import java.util.List;

/**
 * The scrub of a backup's off-site copy: its chunks read back (a sample, or all) and checked, then
 * the verdict recorded in the backup's manifest. It changes nothing in the repository. Interrupted,
 * it resumes; a scrub cut off mid-read reads again from the start.
 */
public final class ScrubBackupPlan {

    public static final String NAME = "scrub-backup";
    /** The fact the plan begins with: the share of the chunks to read back, 0 to 100. */
    public static final String SAMPLE_PERCENT = "scrub.samplePercent";
    /** Instead of a sample: the slice to read, "I of N" (the chunks whose name's first two bytes are I modulo N). */
    public static final String SLICE = "scrub.slice";

    private ScrubBackupPlan() {
    }

    public static Plan<ExportRun> create() {
        return new Plan<>(NAME, List.of(new ScrubCopies(), new RecordBackupScrubbed()), OnInterrupt.RESUME);
    }
}
