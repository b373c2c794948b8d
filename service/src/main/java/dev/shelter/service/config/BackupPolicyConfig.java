package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/** Per-cluster backup policy. */
public class BackupPolicyConfig {

    /** Back up a server that answers as a standby (PostgreSQL allows it in non-exclusive mode). */
    @JsonProperty
    public boolean allowStandby = false;

    /** How long a backup waits for the WAL through its stop LSN to reach the archive. */
    @Min(1)
    @Max(86400)
    @JsonProperty
    public int walTimeoutSeconds = 300;

    /**
     * A backup is refused once a volume of the set has this many snapshots (Ceph fails past its limit:
     * ceph-csi keeps 450 per RBD image, librbd 510); a retention sweep warns from 90 % of it.
     */
    @Min(1)
    @Max(510)
    @JsonProperty
    public int maxSnapshotsPerVolume = 450;

    /** Copy each completed backup off site as soon as it ends (needs the top-level offsite section). */
    @JsonProperty
    public boolean exportOffsite = false;

    /** The backup-age health check turns unhealthy when the newest completed backup is older; absent: no check. */
    @Min(1)
    @JsonProperty
    public Integer maxAgeMinutes;
}
