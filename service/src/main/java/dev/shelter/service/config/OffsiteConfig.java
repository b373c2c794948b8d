package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/**
 * Off-site copies of backups, in the off-site repository under {@code offsite/} of the object store
 * (docs/offsite-repository.md). With {@code masterKeyFile} (32 bytes, raw or base64: a mounted
 * Secret) the repository is encrypted, for good; without it, plain, for good.
 */
public class OffsiteConfig {

    @JsonProperty
    public String masterKeyFile;

    /** Chunks sent at a time. */
    @Min(1)
    @Max(64)
    @JsonProperty
    public int parallelUploads = 4;

    /** Chunks a restore from the repository fetches at a time. */
    @Min(1)
    @Max(64)
    @JsonProperty
    public int parallelFetches = 4;

    /**
     * A chunk no copy needs is deleted by a garbage collection only once it has been seen so for
     * this long (48 h): longer than an export's attempt, so that one that took it as stored has
     * written its copy by then.
     */
    @Min(0)
    @JsonProperty
    public long garbageGraceMinutes = 48 * 60;

    /** At most this many bytes a second sent, over all uploads of an export; 0: no limit. */
    @Min(0)
    @JsonProperty
    public long bandwidthBytesPerSecond = 0;

    /** The share of what a diff or a comparison calls unchanged that is read anyway, to check it. */
    @DecimalMin("0")
    @DecimalMax("100")
    @JsonProperty
    public double samplePercent = 1;
}
