package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupPhase;
import dev.shelter.runbooks.cluster.BackupHook;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Function;

/**
 * The user's hooks around a backup. A failing pre-hook fails the backup before backup mode
 * starts; a failing post-hook is logged and the backup stays complete, because its data is.
 */
final class RunHooks implements Step<BackupRun> {

    private static final Logger LOG = LoggerFactory.getLogger(RunHooks.class);

    private final String name;
    private final Function<BackupRun, List<BackupHook>> hooks;
    private final boolean failsTheBackup;

    private RunHooks(String name, Function<BackupRun, List<BackupHook>> hooks, boolean failsTheBackup) {
        this.name = name;
        this.hooks = hooks;
        this.failsTheBackup = failsTheBackup;
    }

    static RunHooks before() {
        return new RunHooks("RunPreHooks", run -> run.cluster().preHooks(), true);
    }

    static RunHooks after() {
        return new RunHooks("RunPostHooks", run -> run.cluster().postHooks(), false);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        List<BackupHook> list = hooks.apply(run);
        return list.isEmpty() ? "no hooks" : String.join(", ", list.stream().map(BackupHook::describe).toList());
    }

    /** A hook is the user's action: nothing in Shelter can see whether it already ran, so it runs (and must be idempotent). */
    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        return hooks.apply(run).isEmpty();
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        if (failsTheBackup) {
            run.enter(BackupPhase.RUNNING_PRE_HOOKS);
        }
        for (BackupHook hook : hooks.apply(run)) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                if (failsTheBackup) {
                    throw new IllegalStateException("pre-hook " + hook.describe() + " failed: " + e.getMessage(), e);
                }
                LOG.warn("post-hook {} of backup {} failed: {}", hook.describe(), run.id(), e.getMessage());
            }
        }
    }
}
