package dev.shelter.service.health;

import com.codahale.metrics.health.HealthCheck;
import dev.shelter.runbooks.cluster.ClusterControl;
import dev.shelter.runbooks.cluster.ClusterTargetException;
import dev.shelter.runbooks.cluster.Member;

import java.util.List;
import java.util.Locale;

/**
 * Healthy when Shelter can see the cluster's workload with its own rights (a revoked RBAC rule
 * shows here before a restore needs it) and every member asked for is ready. A cluster scaled to
 * zero on purpose is healthy: a planned outage is not an incident.
 */
public final class ClusterTargetHealthCheck extends HealthCheck {

    private final ClusterControl cluster;

    public ClusterTargetHealthCheck(ClusterControl cluster) {
        this.cluster = cluster;
    }

    @Override
    protected Result check() {
        try {
            int desired = cluster.desiredReplicas();
            List<Member> members = cluster.members();
            long ready = members.stream().filter(Member::ready).count();
            HealthCheck.ResultBuilder result = ready >= desired ? Result.builder().healthy() : Result.builder().unhealthy();
            return result.withMessage("%d of %d member(s) ready", ready, desired)
                    .withDetail("members", members.stream().map(m -> m.name() + " " + m.role().name().toLowerCase(Locale.ROOT)
                            + (m.ready() ? " ready" : " not ready") + m.node().map(n -> " on " + n).orElse("")).toList())
                    .build();
        } catch (ClusterTargetException e) {
            return Result.unhealthy(e.getMessage());
        }
    }
}
