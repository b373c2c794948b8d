package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;

/**
 * Shelter's own WAL receiver for a cluster: physical streaming replication through a permanent slot
 * into the archive (format shelter). The connection is the cluster's {@code postgres} one; its
 * user needs the REPLICATION attribute and a pg_hba "replication" line.
 */
public class WalReceiverConfig {

    @JsonProperty
    public boolean enabled = false;

    /** Default: shelter_ and the cluster's name, with anything but a-z, 0-9 and _ as _. */
    @Pattern(regexp = "[a-z0-9_]{1,63}", message = "must be 1-63 characters of a-z, 0-9 and _ (a replication slot name)")
    @JsonProperty
    public String slot;

    /**
     * How often the segment being streamed is written to the store: about the RPO. 250 ms keeps the
     * RPO under half a second under load; an idle cluster costs nothing, since only new bytes are written.
     */
    @Min(50)
    @Max(60000)
    @JsonProperty
    public int flushIntervalMillis = 250;

    /**
     * How many completed segments are stored at once while the receiver catches up on a backlog;
     * they are confirmed to the server in order only. Each holds a segment (16 MiB) in memory.
     */
    @Min(1)
    @Max(16)
    @JsonProperty
    public int parallelUploads = 3;

    /** The health check wal-<cluster> turns unhealthy when the RPO passes this. */
    @Min(1)
    @JsonProperty
    public int maxRpoSeconds = 60;

    /** ... or when the slot holds back more WAL than this (recommend max_slot_wal_keep_size above it). */
    @Min(16L * 1024 * 1024)
    @JsonProperty
    public long maxSlotRetainedBytes = 8L * 1024 * 1024 * 1024;

    /**
     * With several Shelter replicas, one streams: the holder of the cluster's receiver lease, renewed
     * every fifth of this. When the holder stops renewing, another replica streams within about this.
     */
    @Min(2)
    @Max(300)
    @JsonProperty
    public int leaseSeconds = 10;

    public String slotFor(String cluster) {
        return slot != null ? slot : ("shelter_" + cluster.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_"));
    }
}
