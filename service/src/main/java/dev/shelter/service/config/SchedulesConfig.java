package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;

/**
 * The scheduler. With {@code catalog.kind: postgres} it is clustered on the catalog database (each
 * fire runs once across replicas); with {@code memory}, one replica. {@code replica} names this
 * Shelter among its replicas: unique per replica, the same across its restarts (default: the host name).
 */
public class SchedulesConfig {

    @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]{0,99}", message = "must be 1-100 letters, digits and ._-")
    @JsonProperty
    public String replica;

    /** Fires that may run at once, over all schedules. */
    @Min(1)
    @Max(32)
    @JsonProperty
    public int threads = 2;

    /** How late a fire may run when the schedule does not say: later, it is skipped and recorded. */
    @Min(1)
    @Max(86_400)
    @JsonProperty
    public long defaultMisfireGraceSeconds = 900;

    /** The most any schedule's grace may be (Quartz's misfire threshold). */
    @Min(1)
    @Max(86_400)
    @JsonProperty
    public long mostMisfireGraceSeconds = 3_600;

    /** Clustered: how often a replica checks in; a replica silent for longer has its fires taken over. */
    @Min(1)
    @Max(300)
    @JsonProperty
    public long checkInSeconds = 5;
}
