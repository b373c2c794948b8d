package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

/**
 * Makes the clone a cluster of its own before it first starts: its name, its port, and an
 * archive_command into its own archive, never the source's, whose timelines it would otherwise
 * mix with its own. Before WriteRecoveryFiles, which keeps what is already in postgresql.auto.conf.
 */
final class ConfigureNewCluster implements Step<RestoreRun> {

    @Override
    public String name() {
        return "ConfigureNewCluster";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return run.requireNewCluster().copy().name() + " in " + run.requireNewCluster().placement().describe() + ", archiving to "
                + run.requireNewCluster().copy().walArchive().describe();
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return run.requireNewCluster().placement().isConfigured();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        RestoreRun.NewCluster copy = run.requireNewCluster();
        copy.placement().configure(copy.copy().name(), copy.archiveCommand());
    }

    @Override
    public FailurePolicy onFailure() {
        return FailurePolicy.rollBack();
    }
}
