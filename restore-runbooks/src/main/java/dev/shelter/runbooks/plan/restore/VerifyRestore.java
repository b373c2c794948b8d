package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.postgres.ServerFacts;
import dev.shelter.runbooks.restore.RecoveryStop;
import dev.shelter.runbooks.restore.RestoreFacts;
import dev.shelter.runbooks.wal.WalFileName;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Proves the restore before anyone relies on it: the server is a primary of the backup's system on
 * a new timeline, and recovery stopped where the target says. The stop is read from the new
 * timeline's history file as the server archives it: "before transaction 741", "reached
 * consistency"… A recovery that ran to the end of WAL instead says so there.
 */
final class VerifyRestore implements Step<RestoreRun> {

    private final FailurePolicy onFailure;

    /** A failure stops for a human: the rollback restore's way, past its point of no return. */
    VerifyRestore() {
        this(FailurePolicy.stopAndAlert());
    }

    /** Clone and swap rolls back instead: the originals are still there to swap back. */
    VerifyRestore(FailurePolicy onFailure) {
        this.onFailure = onFailure;
    }

    static final String STOPPED = RestoreFacts.RECOVERY_STOPPED;
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(100);
    /** How long each of the operator's checks may run. */
    private static final Duration CHECK_TIMEOUT = Duration.ofMinutes(2);

    @Override
    public String name() {
        return "VerifyRestore";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return "PostgreSQL of " + run.restored().name() + ": a primary of system " + run.backup().server().systemIdentifier()
                + " on a timeline after " + run.timeline() + ", stopped at " + run.target().describe()
                + (run.checks().isEmpty() ? "" : ", and " + run.checks().size() + " check(s) of the data answering true");
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return facts.get(STOPPED).isPresent();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) throws InterruptedException {
        ServerFacts server = run.ports().inspector().inspect(run.restored().spec().postgres(), PROBE_TIMEOUT);
        if (server.inRecovery()) {
            throw new IllegalStateException("PostgreSQL of " + run.restored().name() + " is still in recovery");
        }
        if (!server.systemIdentifier().equals(run.backup().server().systemIdentifier())) {
            throw new IllegalStateException("PostgreSQL of " + run.restored().name() + " is system " + server.systemIdentifier()
                    + ", backup " + run.backup().id() + " is of system " + run.backup().server().systemIdentifier());
        }
        Timeline promoted = server.timeline();
        if (promoted.id() <= run.timeline().id()) {
            throw new IllegalStateException("PostgreSQL of " + run.restored().name() + " runs on timeline " + promoted
                    + ", not on a new one after " + run.timeline() + ": it did not promote from this restore");
        }
        byte[] history = awaitArchived(run, step, WalFileName.parse(promoted.hex() + ".history"));
        RecoveryStop stop = RecoveryStop.ofHistory(history).orElseThrow(() -> new IllegalStateException(
                "the history of timeline " + promoted + " names no reason for the switch"));
        Optional<String> mismatch = stop.mismatch(run.target());
        if (mismatch.isPresent()) {
            throw new IllegalStateException("restore of " + run.restored().name() + " did not stop at its target: " + mismatch.get());
        }
        for (String check : run.checks()) {
            Optional<String> answer = run.ports().postgres().queryValue(run.restored().spec().postgres(), check, CHECK_TIMEOUT);
            if (!answer.equals(Optional.of("t"))) {
                throw new IllegalStateException("the restored data of " + run.restored().name() + " fails the check '" + check + "': it answered "
                        + answer.map(value -> "'" + value + "'").orElse("no value") + ", not true");
            }
        }
        step.record(STOPPED, stop.reason());
    }

    /** The server archives its new history file as soon as it promotes; the policy's WAL timeout bounds the wait. */
    private static byte[] awaitArchived(RestoreRun run, StepRun step, WalFileName name) throws InterruptedException {
        Instant start = run.clock().instant();
        Duration timeout = run.restored().policy().walTimeout();
        while (true) {
            Optional<byte[]> content = run.restored().walArchive().fetch(name);
            if (content.isPresent()) {
                return content.get();
            }
            step.checkCancelled();
            if (run.clock().instant().isAfter(start.plus(timeout))) {
                throw new IllegalStateException(name + " did not reach " + run.restored().walArchive().describe() + " within "
                        + timeout.toSeconds() + " s of the promotion: is the restored server's archive_command working?");
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    @Override
    public FailurePolicy onFailure() {
        return onFailure;
    }
}
