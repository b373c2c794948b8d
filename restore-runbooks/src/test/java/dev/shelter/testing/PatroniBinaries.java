package dev.shelter.testing;

import java.nio.file.Path;

/** Patroni's and etcd's executables on this machine, for tests that run HA clusters of their own ({@link LocalPatroniCluster}). */
public record PatroniBinaries(Path patroni, Path etcd) {

    @Override
    public String toString() {
        return patroni + " + " + etcd;
    }
}
