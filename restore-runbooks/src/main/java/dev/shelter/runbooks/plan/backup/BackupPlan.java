package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupMode;
import dev.shelter.runbooks.engine.OnInterrupt;
import dev.shelter.runbooks.engine.Plan;
import dev.shelter.runbooks.engine.Step;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A snapshot backup, top to bottom. An interrupted backup is rolled back, never resumed: its
 * backup session died with the Shelter that held it, and PostgreSQL aborted the backup.
 */
public final class BackupPlan {

    public static final String NAME = "backup";

    private BackupPlan() {
    }

    /** The plan a journal names, to resume it. */
    public static Optional<Plan<BackupRun>> named(String name) {
        for (BackupMode mode : BackupMode.values()) {
            if (nameOf(mode).equals(name)) {
                return Optional.of(of(mode));
            }
        }
        return Optional.empty();
    }

    private static String nameOf(BackupMode mode) {
        return NAME + "-" + mode.name().toLowerCase(Locale.ROOT);
    }

    public static Plan<BackupRun> of(BackupMode mode) {
        ConsistentPoint point = mode == BackupMode.OFFLINE ? new OfflineCleanStop() : new OnlineBackupMode();
        List<Step<BackupRun>> steps = new ArrayList<>();
        steps.add(new RecordBackupRunning());
        steps.add(RunHooks.before());
        steps.addAll(point.steps());
        steps.add(new RecordBackupComplete());
        steps.add(RunHooks.after());
        return new Plan<>(nameOf(mode), steps, OnInterrupt.ROLL_BACK);
    }
}
