package dev.shelter.runbooks.cluster;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A PostgreSQL server on this machine (local mode): scale to zero is a clean stop, scale to one a start.
 * {@code binDirectory} holds pg_ctl; {@code osUser} is who the server runs as (it refuses root).
 */
public record LocalTarget(Path dataDirectory, Path binDirectory, String osUser) implements ClusterTarget {

    public LocalTarget {
        Objects.requireNonNull(dataDirectory, "data directory");
        Objects.requireNonNull(binDirectory, "bin directory");
        Objects.requireNonNull(osUser, "os user");
        // Absolute: the server's commands run from "/" (see OsUserCommand), not from Shelter's working directory.
        dataDirectory = dataDirectory.toAbsolutePath();
        binDirectory = binDirectory.toAbsolutePath();
    }

    @Override
    public String kind() {
        return "local";
    }
}
