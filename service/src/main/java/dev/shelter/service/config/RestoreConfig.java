package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

import java.util.List;

/**
 * How a restored server of the cluster fetches WAL from Shelter: restore_command GETs
 * {@code walUrl}/api/v1/clusters/{name}/wal/%f with the operator token in {@code tokenFile} (a path
 * as the server sees it, readable by its OS user). Without both, restores of the cluster are refused.
 */
public class RestoreConfig {

    @Pattern(regexp = "https?://[^\\s'\"$`\\\\]+", message = "must be an http(s) URL without quotes, spaces or $")
    @JsonProperty
    public String walUrl;

    @Pattern(regexp = "/[^\\s'\"$`\\\\]*", message = "must be an absolute path without quotes, spaces or $")
    @JsonProperty
    public String tokenFile;

    @Min(1)
    @Max(10080)
    @JsonProperty
    public int recoveryTimeoutMinutes = 60;

    /**
     * How long a clone-and-swap restore keeps the original volumes, set aside and untouched, after
     * the restored cluster passed its verification; then they are removed. 0 removes them at once.
     */
    @Min(0)
    @Max(31_536_000)
    @JsonProperty
    public long keepOriginalsSeconds = 86_400;

    /**
     * Queries run on the restored primary before a restore counts as verified; each must answer true
     * (e.g. {@code SELECT count(*) > 0 FROM orders}). One that does not stops the restore for a human.
     */
    @JsonProperty
    public List<@NotBlank String> checks = List.of();
}
