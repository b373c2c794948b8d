package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupPhase;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.wal.WalFileName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;

/**
 * Done means restorable (rule 5): waits, outside backup mode, until Shelter's archive holds the
 * WAL through the stop LSN, whole. Nothing needs to be switched: on a primary the stop call has
 * already switched to a new segment, so the one holding the stop LSN is complete and only has to
 * be archived; a standby cannot switch (PostgreSQL refuses during recovery), and the primary's
 * traffic or archive_timeout completes the segment.
 */
final class AwaitWalArchived implements Step<BackupRun> {

    private static final Logger LOG = LoggerFactory.getLogger(AwaitWalArchived.class);
    private static final Duration POLL = Duration.ofMillis(50);

    @Override
    public String name() {
        return "AwaitWalArchived";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        return "WAL through the stop LSN in " + run.cluster().walArchive().describe();
    }

    /** The engine's bound; the step keeps the policy's own, shorter one. */
    @Override
    public Duration timeout() {
        return Duration.ofHours(2);
    }

    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        return run.manifest().filter(m -> m.window() != null)
                .map(m -> run.cluster().walArchive().containsSegment(lastSegment(m), m.server().walSegmentBytes())).orElse(false);
    }

    @Override
    public void execute(BackupRun run, StepRun step) throws InterruptedException {
        run.enter(BackupPhase.WAITING_FOR_WAL);
        BackupManifest manifest = run.requireManifest();
        WalFileName segment = lastSegment(manifest);
        boolean fromStandby = Boolean.parseBoolean(step.facts().get(OpenBackupSession.FROM_STANDBY).orElse("false"));
        Duration timeout = run.cluster().policy().walTimeout();
        Instant start = run.clock().instant();
        while (!run.cluster().walArchive().containsSegment(segment, manifest.server().walSegmentBytes())) {
            step.checkCancelled();
            Instant now = run.clock().instant();
            if (now.isAfter(start.plus(timeout))) {
                throw new IllegalStateException("WAL segment " + segment + " (through stop LSN " + manifest.window().stopLsn()
                        + ") did not reach " + run.cluster().walArchive().describe() + " within " + timeout.toSeconds()
                        + " s; the backup is not restorable without it" + (fromStandby
                        ? " (a standby cannot switch WAL: the primary's traffic or archive_timeout must complete the segment)" : ""));
            }
            Thread.sleep(POLL.toMillis());
        }
        LOG.info("backup {} of {}: WAL segment {} (through stop LSN {}) is in the archive, {} s after backup mode ended",
                run.id(), run.cluster().name(), segment, manifest.window().stopLsn(),
                Duration.between(manifest.window().endedAt(), run.clock().instant()).toMillis() / 1000.0);
    }

    private static WalFileName lastSegment(BackupManifest manifest) {
        return WalFileName.lastNeededBefore(manifest.window().timeline(), manifest.window().stopLsn(),
                manifest.server().walSegmentBytes());
    }
}
