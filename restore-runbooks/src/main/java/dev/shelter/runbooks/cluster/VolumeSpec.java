package dev.shelter.runbooks.cluster;

import java.util.Objects;

/**
 * One volume of a cluster's backup set. {@code source} is read by the target's adapter: a directory
 * in local mode, the PersistentVolumeClaim template name on Kubernetes. Tablespaces carry their name.
 */
public record VolumeSpec(VolumeRole role, String name, String source) {

    public VolumeSpec {
        Objects.requireNonNull(role, "volume role");
        Objects.requireNonNull(source, "volume source");
        if (source.isBlank()) {
            throw new IllegalArgumentException("volume source must not be blank");
        }
        if (role == VolumeRole.TABLESPACE && (name == null || name.isBlank())) {
            throw new IllegalArgumentException("a tablespace volume needs the tablespace's name");
        }
        if (role != VolumeRole.TABLESPACE) {
            name = role.name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
