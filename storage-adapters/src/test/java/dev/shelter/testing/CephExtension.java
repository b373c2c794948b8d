package dev.shelter.testing;

import dev.shelter.storage.rbd.CephConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Ceph has no Testcontainers module; it comes only from the local stack. */
final class CephExtension extends RealServerExtension<CephServer> {

    @Override
    protected Class<CephServer> serverType() {
        return CephServer.class;
    }

    @Override
    protected String serverName() {
        return "Ceph";
    }

    @Override
    protected String environmentHint() {
        return "SHELTER_STACK_CEPH_CONF, SHELTER_STACK_CEPH_KEYRING, SHELTER_STACK_CEPH_USER, SHELTER_STACK_CEPH_POOL";
    }

    @Override
    protected Optional<CephServer> fromEnvironment() {
        return env("SHELTER_STACK_CEPH_CONF").map(conf -> new CephServer(new CephConfig(Path.of(conf),
                env("SHELTER_STACK_CEPH_USER").orElse("admin"),
                Path.of(env("SHELTER_STACK_CEPH_KEYRING").orElseThrow(() -> new IllegalStateException("SHELTER_STACK_CEPH_KEYRING is not set"))),
                env("SHELTER_STACK_CEPH_POOL").orElse("shelter"),
                Duration.ofSeconds(15))));
    }

    @Override
    protected Optional<CephServer> fromContainer() {
        return Optional.empty();
    }
}
