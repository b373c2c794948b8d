package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.failure.ClusterUnreachableException;
import dev.shelter.runbooks.postgres.ControlFile;
import dev.shelter.runbooks.postgres.ServerFacts;
import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.runbooks.wal.WalFileName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;

/**
 * While the cluster still runs: commits an empty transaction and switches WAL, then waits until the
 * archive holds everything written until now. So the WAL the restore can replay reaches the
 * present, and a commit later than any past time target is archived (without one, PostgreSQL stops
 * with "recovery ended before configured recovery target was reached"). A cluster that does not
 * answer as a primary is left alone: the restore then replays what is archived, and the check says so.
 */
final class ArchiveCurrentWal implements Step<RestoreRun> {

    private static final Logger LOG = LoggerFactory.getLogger(ArchiveCurrentWal.class);
    static final String SEALED_AT = "walSealedAt";
    static final String NOT_SEALED = "walNotSealed";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(100);

    @Override
    public String name() {
        return "ArchiveCurrentWal";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return "the WAL written until now by " + run.clusterName() + ", switched and archived in " + run.cluster().walArchive().describe();
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return facts.get(SEALED_AT).isPresent() || facts.get(NOT_SEALED).isPresent();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) throws InterruptedException {
        ServerFacts server;
        try {
            server = run.ports().inspector().inspect(run.cluster().spec().postgres(), PROBE_TIMEOUT);
        } catch (ClusterUnreachableException e) {
            step.record(NOT_SEALED, "PostgreSQL did not answer: " + e.getMessage());
            return;
        }
        if (server.inRecovery()) {
            step.record(NOT_SEALED, "PostgreSQL answers as a standby, which cannot switch WAL");
            return;
        }
        // What the running server uses now: WAL written since the backup may require it of the restored server.
        run.ports().inspector().integerSettings(run.cluster().spec().postgres(), ControlFile.StandbySettings.NAMES, PROBE_TIMEOUT)
                .forEach((name, value) -> step.record(WriteRecoveryFiles.LIVE_SETTING + name, Integer.toString(value)));
        Lsn switched = run.ports().postgres().sealCurrentWal(run.cluster().spec().postgres());
        WalArchive archive = run.cluster().walArchive();
        WalFileName last = WalFileName.lastNeededBefore(server.timeline(), switched, run.backup().server().walSegmentBytes());
        Duration timeout = run.cluster().policy().walTimeout();
        Instant start = run.clock().instant();
        while (!archive.containsSegment(last, run.backup().server().walSegmentBytes())) {
            step.checkCancelled();
            if (run.clock().instant().isAfter(start.plus(timeout))) {
                throw new IllegalStateException("WAL segment " + last + " (through " + switched + ") did not reach "
                        + archive.describe() + " within " + timeout.toSeconds() + " s: is the cluster's archive_command "
                        + "or Shelter's receiver working? Nothing was changed");
            }
            Thread.sleep(POLL.toMillis());
        }
        LOG.info("restore of {}: WAL through {} ({}) is archived", run.clusterName(), switched, last);
        step.record(SEALED_AT, switched.toString());
    }
}
