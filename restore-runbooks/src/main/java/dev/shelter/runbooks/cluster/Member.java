package dev.shelter.runbooks.cluster;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** One PostgreSQL server of a cluster as its target sees it now: a pod, or the local server. */
public record Member(String name, MemberRole role, Optional<String> node, boolean ready, List<MemberVolume> volumes) {

    public Member {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(node, "node");
        volumes = List.copyOf(volumes);
    }
}
