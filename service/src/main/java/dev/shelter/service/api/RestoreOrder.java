package dev.shelter.service.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * POST /clusters/{name}/restores. A {@code backupId}, a {@code target}, or both; {@code strategy}
 * "rollback", "clone-swap", "new-cluster" (with {@code newCluster}: where) or "from-object-store"; when absent,
 * rollback, or from-object-store if the chosen backup's snapshots are gone and it has an off-site copy;
 * {@code confirm} must name the cluster, except for a new cluster, which replaces nothing;
 * {@code dryRun} true answers the chosen backup, the checks and the steps, and changes nothing.
 */
public record RestoreOrder(@JsonProperty("backupId") String backupId, @JsonProperty("target") Target target,
                           @JsonProperty("strategy") String strategy, @JsonProperty("confirm") String confirm,
                           @JsonProperty("dryRun") Boolean dryRun, @JsonProperty("newCluster") NewCluster newCluster) {

    /** Where a new cluster goes. Local: {@code dataDirectory} and {@code port} (host as the source's). {@code name} optional. */
    public record NewCluster(@JsonProperty("dataDirectory") String dataDirectory, @JsonProperty("port") Integer port,
                             @JsonProperty("host") String host, @JsonProperty("namespace") String namespace,
                             @JsonProperty("name") String name) {
    }

    /** Exactly one of time (RFC 3339 with an offset), lsn, xid, name, immediate, latest; inclusive defaults to true. */
    public record Target(@JsonProperty("time") String time, @JsonProperty("lsn") String lsn, @JsonProperty("xid") Long xid,
                         @JsonProperty("name") String name, @JsonProperty("inclusive") Boolean inclusive,
                         @JsonProperty("immediate") Boolean immediate, @JsonProperty("latest") Boolean latest,
                         @JsonProperty("timeline") Long timeline) {
    }

    public static final RestoreOrder NONE = new RestoreOrder(null, null, null, null, null, null);

    public boolean isDryRun() {
        return Boolean.TRUE.equals(dryRun);
    }
}
