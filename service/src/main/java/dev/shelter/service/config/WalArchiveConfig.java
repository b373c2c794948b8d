package dev.shelter.service.config;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;

/**
 * Where the cluster's WAL is archived. {@code format}: {@code shelter} (Shelter's layout, fed by the
 * archive endpoint) or {@code plain} (files as a {@code cp} archive_command leaves them).
 * {@code store} defaults to the object store, {@code prefix} to "wal/<cluster>/".
 */
public class WalArchiveConfig {

    @NotNull
    @Pattern(regexp = "shelter|plain", message = "must be shelter or plain")
    @JsonProperty
    public String format = "shelter";

    @Valid
    @JsonProperty
    public ObjectStoreConfig store;

    @JsonProperty
    public String prefix;

    @Valid
    @JsonProperty
    public WalReceiverConfig receiver = new WalReceiverConfig();

    @io.dropwizard.validation.ValidationMethod(message = "the WAL receiver needs walArchive.format: shelter")
    public boolean isReceiverOnShelterFormat() {
        return !receiver.enabled || "shelter".equals(format);
    }
}
