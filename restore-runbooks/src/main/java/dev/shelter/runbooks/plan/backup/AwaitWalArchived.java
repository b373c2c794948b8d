package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupPhase;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.wal.WalFileName;

import java.time.Duration;
import java.time.Instant;

/**
 * Done means restorable (rule 5): waits, outside backup mode, until Shelter's archive holds the
 * WAL through the stop LSN. A segment that idles on the stop record is closed with a WAL switch;
 * a standby cannot switch, so there the primary's traffic or archive_timeout must close it.
 */
final class AwaitWalArchived implements Step<BackupRun> {

    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration SWITCH_WAL_AFTER = Duration.ofSeconds(5);

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
                .map(m -> run.cluster().walArchive().contains(lastSegment(m))).orElse(false);
    }

    @Override
    public void execute(BackupRun run, StepRun step) throws InterruptedException {
        run.enter(BackupPhase.WAITING_FOR_WAL);
        BackupManifest manifest = run.requireManifest();
        WalFileName segment = lastSegment(manifest);
        boolean fromStandby = Boolean.parseBoolean(step.facts().get(OpenBackupSession.FROM_STANDBY).orElse("false"));
        Duration timeout = run.cluster().policy().walTimeout();
        Instant start = run.clock().instant();
        boolean switched = false;
        while (!run.cluster().walArchive().contains(segment)) {
            step.checkCancelled();
            Instant now = run.clock().instant();
            if (now.isAfter(start.plus(timeout))) {
                throw new IllegalStateException("WAL segment " + segment + " (through stop LSN " + manifest.window().stopLsn()
                        + ") did not reach " + run.cluster().walArchive().describe() + " within " + timeout.toSeconds()
                        + " s; the backup is not restorable without it" + (fromStandby
                        ? " (a standby cannot switch WAL: the primary's traffic or archive_timeout must complete the segment)" : ""));
            }
            if (!switched && !fromStandby && Duration.between(start, now).compareTo(SWITCH_WAL_AFTER) > 0) {
                run.postgres().switchWal(run.cluster().spec().postgres());
                switched = true;
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private static WalFileName lastSegment(BackupManifest manifest) {
        return WalFileName.lastNeededBefore(manifest.window().timeline(), manifest.window().stopLsn(),
                manifest.server().walSegmentBytes());
    }
}
