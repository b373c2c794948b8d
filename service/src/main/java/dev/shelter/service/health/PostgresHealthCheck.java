package dev.shelter.service.health;

import com.codahale.metrics.health.HealthCheck;
import dev.shelter.runbooks.cluster.ClusterSpec;
import dev.shelter.runbooks.postgres.ServerFacts;
import dev.shelter.runbooks.postgres.ServerInspector;

import java.time.Duration;

/** Healthy when the cluster's PostgreSQL answers a query; says its version, role and system identifier. */
public final class PostgresHealthCheck extends HealthCheck {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final ClusterSpec cluster;
    private final ServerInspector inspector;

    public PostgresHealthCheck(ClusterSpec cluster, ServerInspector inspector) {
        this.cluster = cluster;
        this.inspector = inspector;
    }

    @Override
    protected Result check() {
        ServerFacts facts = inspector.inspect(cluster.postgres(), TIMEOUT);
        return Result.builder().healthy()
                .withMessage("PostgreSQL %s, %s", facts.serverVersion(), facts.inRecovery() ? "standby" : "primary")
                .withDetail("systemIdentifier", facts.systemIdentifier().toString())
                .withDetail("timeline", facts.timeline().id())
                .build();
    }
}
