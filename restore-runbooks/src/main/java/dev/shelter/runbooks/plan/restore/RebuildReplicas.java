package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.cluster.HaControl;
import dev.shelter.runbooks.cluster.HaMember;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

import java.time.Duration;
import java.util.List;

/**
 * Every member but the restored leader rebuilt from it (Patroni: reinitialize, a fresh base backup),
 * never from what it had: a replica still holds the history the restore went back from, and could
 * not follow the new timeline anyway. A resumed restore rebuilds them again, which is harmless.
 */
final class RebuildReplicas implements Step<RestoreRun> {

    static final String REBUILT_AT = "replicasRebuiltAt";
    private static final Duration PER_MEMBER = Duration.ofMinutes(10);

    @Override
    public String name() {
        return "RebuildReplicas";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return run.ha().isPresent() ? run.clusterName() + ": every member but " + facts.get(ResetHaHistory.LEADER).orElse("the leader")
                + ", from it" : run.clusterName() + " has no HA manager";
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return run.ha().isEmpty() || facts.get(REBUILT_AT).isPresent();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        HaControl ha = run.ha().orElseThrow();
        String leader = step.facts().require(ResetHaHistory.LEADER);
        List<String> replicas = ha.members().stream().map(HaMember::name).filter(name -> !name.equals(leader)).toList();
        for (int i = 0; i < replicas.size(); i++) {
            ha.rebuild(replicas.get(i), PER_MEMBER);
            step.progress(i + 1, replicas.size(), "members");
        }
        step.record(REBUILT_AT, run.clock().instant().toString());
    }

    @Override
    public Duration timeout() {
        return PER_MEMBER.multipliedBy(4);
    }

    @Override
    public FailurePolicy onFailure() {
        return FailurePolicy.stopAndAlert();
    }
}
