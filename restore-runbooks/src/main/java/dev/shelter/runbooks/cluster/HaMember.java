package dev.shelter.runbooks.cluster;

import java.util.Objects;
import java.util.Optional;

/**
 * One member of an HA cluster as its manager reports it. {@code state} is the manager's own word
 * (Patroni: "running", "streaming", "stopped", "starting", ...); {@code host} and {@code port} are
 * where its PostgreSQL listens. {@code lagBytes} is empty when the manager does not know it (a
 * stopped replica) or does not report it (the leader).
 */
public record HaMember(String name, HaRole role, String state, String host, int port, Optional<Long> lagBytes) {

    public HaMember {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(lagBytes, "lag");
    }
}
