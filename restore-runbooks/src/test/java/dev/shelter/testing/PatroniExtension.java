package dev.shelter.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Patroni and etcd from SHELTER_STACK_PATRONI_BIN and SHELTER_STACK_ETCD_BIN. No container: a test
 * switches over, pauses and stops the cluster it acts on, so it starts one of its own.
 */
final class PatroniExtension extends RealServerExtension<PatroniBinaries> {

    @Override
    protected Class<PatroniBinaries> serverType() {
        return PatroniBinaries.class;
    }

    @Override
    protected String serverName() {
        return "Patroni 3 and etcd 3.4";
    }

    @Override
    protected String environmentHint() {
        return "SHELTER_STACK_PATRONI_BIN and SHELTER_STACK_ETCD_BIN";
    }

    @Override
    protected Optional<PatroniBinaries> fromEnvironment() {
        Optional<Path> patroni = env("SHELTER_STACK_PATRONI_BIN").map(Path::of).filter(Files::isExecutable);
        Optional<Path> etcd = env("SHELTER_STACK_ETCD_BIN").map(Path::of).filter(Files::isExecutable);
        return patroni.flatMap(p -> etcd.map(e -> new PatroniBinaries(p, e)));
    }

    @Override
    protected Optional<PatroniBinaries> fromContainer() {
        return Optional.empty();
    }
}
