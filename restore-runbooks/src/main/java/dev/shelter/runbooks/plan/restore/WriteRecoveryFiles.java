package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.postgres.ControlFile;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * backup_label and tablespace_map byte for byte, recovery.signal, restore_command, exactly one
 * target, its inclusiveness, the timeline, and promote at the end; verified as written. A setting
 * the restored server would run lower than its WAL requires (max_connections…, as the backup's
 * pg_control or the server before the restore had it) is raised: lower, recovery pauses. Once done
 * it is never redone: PostgreSQL consumes the files as it recovers.
 */
final class WriteRecoveryFiles implements Step<RestoreRun> {

    private final FailurePolicy onFailure;

    /** A failure stops for a human: the rollback restore's way, past its point of no return. */
    WriteRecoveryFiles() {
        this(FailurePolicy.stopAndAlert());
    }

    /** Clone and swap rolls back instead: the originals are still there to swap back. */
    WriteRecoveryFiles(FailurePolicy onFailure) {
        this.onFailure = onFailure;
    }

    static final String WRITTEN_AT = "recoveryFilesWrittenAt";
    static final String SETTINGS_RAISED = "settingsRaised";
    /** Journaled by ArchiveCurrentWal, per setting: the value the running server had before the restore. */
    static final String LIVE_SETTING = "liveSetting.";

    @Override
    public String name() {
        return "WriteRecoveryFiles";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return run.recoveryFiles().describe() + ": " + run.target().describe() + ", timeline " + run.timeline()
                + ", promote when reached";
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return facts.get(WRITTEN_AT).isPresent();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        Map<String, Integer> live = new LinkedHashMap<>();
        for (String name : ControlFile.StandbySettings.NAMES) {
            step.facts().get(LIVE_SETTING + name).ifPresent(value -> live.put(name, Integer.parseInt(value)));
        }
        List<String> raised = run.recoveryFiles().write(run.backup(), run.restoreCommand(), run.target(), run.history(), live);
        if (!raised.isEmpty()) {
            step.record(SETTINGS_RAISED, String.join(", ", raised));
        }
        step.record(WRITTEN_AT, run.clock().instant().toString());
    }

    @Override
    public FailurePolicy onFailure() {
        return onFailure;
    }
}
