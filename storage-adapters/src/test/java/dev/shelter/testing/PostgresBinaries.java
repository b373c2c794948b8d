package dev.shelter.testing;

import java.nio.file.Path;

/** PostgreSQL's server programs on this machine (initdb, pg_ctl, postgres), for tests that run clusters of their own. */
public record PostgresBinaries(Path directory) {

    @Override
    public String toString() {
        return directory.toString();
    }
}
