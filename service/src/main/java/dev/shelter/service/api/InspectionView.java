package dev.shelter.service.api;

import dev.shelter.runbooks.postgres.ServerFacts;

/** What a cluster's PostgreSQL said about itself. */
public record InspectionView(String cluster, String serverVersion, int majorVersion, String role, String systemIdentifier,
                             long timeline, String walLsn) {

    public static InspectionView of(String cluster, ServerFacts facts) {
        return new InspectionView(cluster, facts.serverVersion(), facts.majorVersion(), facts.inRecovery() ? "standby" : "primary",
                facts.systemIdentifier().toString(), facts.timeline().id(), facts.walLsn() == null ? null : facts.walLsn().toString());
    }
}
