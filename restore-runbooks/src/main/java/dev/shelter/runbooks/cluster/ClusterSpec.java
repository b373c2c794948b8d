package dev.shelter.runbooks.cluster;

import dev.shelter.runbooks.backup.ClusterName;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A PostgreSQL cluster that Shelter protects: where it runs, how to reach it, and the volumes
 * that make up its backup set (exactly one PGDATA, at most one PGWAL, any number of tablespaces).
 */
public record ClusterSpec(ClusterName name, ClusterTarget target, PostgresEndpoint postgres, List<VolumeSpec> volumes) {

    public ClusterSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(postgres, "postgres");
        volumes = List.copyOf(volumes);
        long pgdata = volumes.stream().filter(v -> v.role() == VolumeRole.PGDATA).count();
        if (pgdata != 1) {
            throw new IllegalArgumentException("cluster " + name + " needs exactly one pgdata volume, has " + pgdata);
        }
        if (volumes.stream().filter(v -> v.role() == VolumeRole.PGWAL).count() > 1) {
            throw new IllegalArgumentException("cluster " + name + " has more than one pgwal volume");
        }
        Set<String> names = new HashSet<>();
        for (VolumeSpec volume : volumes) {
            if (!names.add(volume.name())) {
                throw new IllegalArgumentException("cluster " + name + " names volume '" + volume.name() + "' twice");
            }
        }
    }
}
