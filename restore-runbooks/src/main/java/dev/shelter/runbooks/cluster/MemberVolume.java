package dev.shelter.runbooks.cluster;

import java.util.Objects;

/**
 * One volume of a member: {@code claim} is what the workload calls it (the PersistentVolumeClaim,
 * or the configured source in local mode), {@code location} where its bytes are.
 */
public record MemberVolume(String claim, VolumeLocation location) {

    public MemberVolume {
        Objects.requireNonNull(claim, "claim");
        Objects.requireNonNull(location, "location");
    }
}
