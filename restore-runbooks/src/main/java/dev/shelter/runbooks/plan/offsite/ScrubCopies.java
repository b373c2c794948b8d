package dev.shelter.runbooks.plan.offsite;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.storage.offsite.ChunkId;
import dev.shelter.storage.offsite.RepositoryScrub;
import dev.shelter.storage.offsite.SampleCheck;

import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Reads back the chunks the backup's copies need (each with the sample's chance; the others are
 * looked for) and checks each against its name, journaling what it found: the chunks read, those
 * needed, and each wrong chunk or manifest with why.
 */
final class ScrubCopies implements Step<ExportRun> {

    static final String SCRUBBED_AT = "scrub.at";
    static final String NEEDED = "scrub.chunksNeeded";
    static final String READ = "scrub.chunksRead";
    static final String BAD = "scrub.bad.";

    @Override
    public String name() {
        return "ScrubCopies";
    }

    @Override
    public String target(ExportRun run, Facts facts) {
        return facts.get(ScrubBackupPlan.SLICE).map(slice -> "slice " + slice).orElseGet(() -> facts.get(ScrubBackupPlan.SAMPLE_PERCENT)
                .orElse("?") + " %") + " of the chunks of the copies " + run.id() + "/* in " + run.repository().describe();
    }

    @Override
    public boolean isDone(ExportRun run, Facts facts) {
        return facts.get(SCRUBBED_AT).isPresent();
    }

    @Override
    public void execute(ExportRun run, StepRun step) {
        RepositoryScrub.Report report = run.repository().scrub().scrubCopies(run.id().value() + "/", selection(step.facts()), (done, of) -> {
                    step.progress(done, of, "chunks");
                    step.checkCancelled();
                });
        if (report.copies() == 0) {
            throw new IllegalStateException("backup " + run.id() + " has no copy in " + run.repository().describe());
        }
        for (Map.Entry<ChunkId, String> bad : report.badChunks().entrySet()) {
            step.record(BAD + bad.getKey().hex(), bad.getValue());
        }
        report.badManifests().forEach((name, why) -> step.record(BAD + "manifest " + name, why));
        step.record(NEEDED, Integer.toString(report.chunksStored()));
        step.record(READ, Integer.toString(report.chunksRead()));
        step.record(SCRUBBED_AT, run.clock().instant().toString());
    }

    private static RepositoryScrub.Selection selection(Facts facts) {
        return facts.get(ScrubBackupPlan.SLICE).map(slice -> {
            String[] parts = slice.split(" of ");
            return RepositoryScrub.Selection.slice(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        }).orElseGet(() -> RepositoryScrub.Selection.sample(new SampleCheck(Double.parseDouble(facts.require(ScrubBackupPlan.SAMPLE_PERCENT)),
                new SplittableRandom())));
    }

    @Override
    public Duration timeout() {
        return Duration.ofHours(24); // every chunk of a large copy over a slow link
    }
}
