package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.cluster.HaControl;
import dev.shelter.runbooks.cluster.HaMember;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.restore.RestoredMember;

import java.time.Duration;

/**
 * Makes the HA manager forget the history before the restore (Patroni's DCS: the initialize key with
 * the system identifier, the timeline history, the last known positions), so that it follows the
 * restored primary's history and never resurrects the old one; waits until the restored server
 * holds the leader lock with the backup's system identifier recorded, and journals its name.
 */
final class ResetHaHistory implements Step<RestoreRun> {

    static final String LEADER = "haLeaderAfterRestore";
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @Override
    public String name() {
        return "ResetHaHistory";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return run.ha().isPresent() ? run.clusterName() + ": the HA manager's cluster state, system " + run.backup().server().systemIdentifier()
                : run.clusterName() + " has no HA manager";
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return run.ha().isEmpty() || facts.get(LEADER).isPresent();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        HaControl ha = run.ha().orElseThrow();
        HaMember restored = RestoredMember.of(ha, run.cluster().spec().postgres(), run.clusterName());
        HaMember leader = ha.resetHistory(run.backup().server().systemIdentifier(), TIMEOUT);
        // Every other member is rebuilt from the leader next: it must be the restored one, or the restore is wiped.
        if (!leader.name().equals(restored.name())) {
            throw new IllegalStateException("the HA manager made " + leader.name() + " the leader, not the restored " + restored.name()
                    + "; the other members are not rebuilt from it: a human must look");
        }
        step.record(LEADER, leader.name());
    }

    @Override
    public Duration timeout() {
        return TIMEOUT.plusMinutes(1);
    }

    @Override
    public FailurePolicy onFailure() {
        return FailurePolicy.stopAndAlert();
    }
}
