package dev.shelter.runbooks.plan.offsite;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.OffsiteScrub;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** Writes the scrub's verdict into the backup's manifest: verified (sound), or corrupt with the chunks. */
final class RecordBackupScrubbed implements Step<ExportRun> {

    @Override
    public String name() {
        return "RecordBackupScrubbed";
    }

    @Override
    public String target(ExportRun run, Facts facts) {
        return "the manifest of backup " + run.id();
    }

    @Override
    public boolean isDone(ExportRun run, Facts facts) {
        BackupManifest manifest = run.manifest();
        return manifest.offsite() != null && manifest.offsite().lastScrub() != null && facts.get(ScrubCopies.SCRUBBED_AT)
                .map(at -> Instant.parse(at).equals(manifest.offsite().lastScrub().scrubbedAt())).orElse(false);
    }

    @Override
    public void execute(ExportRun run, StepRun step) {
        Facts facts = step.facts();
        Map<String, String> bad = new TreeMap<>();
        facts.asMap().forEach((key, value) -> {
            if (key.startsWith(ScrubCopies.BAD)) {
                bad.put(key.substring(ScrubCopies.BAD.length()), value);
            }
        });
        BackupManifest manifest = run.manifest();
        if (manifest.offsite() == null) {
            throw new IllegalStateException("backup " + run.id() + " has no off-site copy to record a scrub of");
        }
        OffsiteScrub scrub = new OffsiteScrub(Instant.parse(facts.require(ScrubCopies.SCRUBBED_AT)),
                Double.parseDouble(facts.require(ScrubBackupPlan.SAMPLE_PERCENT)), Integer.parseInt(facts.require(ScrubCopies.NEEDED)),
                Integer.parseInt(facts.require(ScrubCopies.READ)), bad, facts.get(ScrubBackupPlan.SLICE).orElse(null));
        run.record(manifest.exportedAs(manifest.offsite().scrubbed(scrub)));
    }
}
