package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.validation.ValidationMethod;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/** One hook: an SQL statement run on the cluster, or an HTTP call (POST unless {@code method} says otherwise). */
public class HookConfig {

    @JsonProperty
    public String sql;

    @JsonProperty
    public String url;

    @JsonProperty
    public String method = "POST";

    @Min(1)
    @Max(3600)
    @JsonProperty
    public int timeoutSeconds = 30;

    @ValidationMethod(message = "a hook needs exactly one of sql or url (http or https)")
    public boolean isOneKind() {
        boolean hasSql = sql != null && !sql.isBlank();
        boolean hasUrl = url != null && (url.startsWith("http://") || url.startsWith("https://"));
        return hasSql ^ hasUrl;
    }
}
