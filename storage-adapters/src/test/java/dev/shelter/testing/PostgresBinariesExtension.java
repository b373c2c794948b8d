package dev.shelter.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Local PostgreSQL binaries, from SHELTER_STACK_PG_BIN; there is no container for a cluster a test must stop and restore. */
final class PostgresBinariesExtension extends RealServerExtension<PostgresBinaries> {

    @Override
    protected Class<PostgresBinaries> serverType() {
        return PostgresBinaries.class;
    }

    @Override
    protected String serverName() {
        return "PostgreSQL 15 binaries";
    }

    @Override
    protected String environmentHint() {
        return "SHELTER_STACK_PG_BIN";
    }

    @Override
    protected Optional<PostgresBinaries> fromEnvironment() {
        return env("SHELTER_STACK_PG_BIN").map(Path::of).filter(bin -> Files.isExecutable(bin.resolve("initdb")))
                .map(PostgresBinaries::new);
    }

    @Override
    protected Optional<PostgresBinaries> fromContainer() {
        return Optional.empty();
    }
}
