package dev.shelter.service.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * POST /clusters/{name}/backups. {@code mode}: "online" (default) or "offline", lowercase;
 * {@code fastCheckpoint} defaults to true; {@code confirm} must name the cluster for an offline
 * backup, which stops PostgreSQL; {@code dryRun} true answers the plan and changes nothing.
 */
public record BackupOrder(@JsonProperty("mode") String mode, @JsonProperty("label") String label,
                          @JsonProperty("fastCheckpoint") Boolean fastCheckpoint, @JsonProperty("confirm") String confirm,
                          @JsonProperty("dryRun") Boolean dryRun) {

    public static final BackupOrder DEFAULTS = new BackupOrder(null, null, null, null, null);

    public boolean isDryRun() {
        return Boolean.TRUE.equals(dryRun);
    }
}
