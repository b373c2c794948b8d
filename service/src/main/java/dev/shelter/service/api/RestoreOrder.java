package dev.shelter.service.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * POST /clusters/{name}/restores. A {@code backupId}, a {@code target}, or both; {@code strategy}
 * "rollback" (the default); {@code confirm} must name the cluster; {@code dryRun} true answers the
 * chosen backup, the checks and the steps, and changes nothing.
 */
public record RestoreOrder(@JsonProperty("backupId") String backupId, @JsonProperty("target") Target target,
                           @JsonProperty("strategy") String strategy, @JsonProperty("confirm") String confirm,
                           @JsonProperty("dryRun") Boolean dryRun) {

    /** Exactly one of time (RFC 3339 with an offset), lsn, xid, name, immediate, latest; inclusive defaults to true. */
    public record Target(@JsonProperty("time") String time, @JsonProperty("lsn") String lsn, @JsonProperty("xid") Long xid,
                         @JsonProperty("name") String name, @JsonProperty("inclusive") Boolean inclusive,
                         @JsonProperty("immediate") Boolean immediate, @JsonProperty("latest") Boolean latest,
                         @JsonProperty("timeline") Long timeline) {
    }

    public static final RestoreOrder NONE = new RestoreOrder(null, null, null, null, null);

    public boolean isDryRun() {
        return Boolean.TRUE.equals(dryRun);
    }
}
