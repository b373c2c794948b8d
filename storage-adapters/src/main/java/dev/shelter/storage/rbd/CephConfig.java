package dev.shelter.storage.rbd;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach a Ceph cluster and which pool holds the RBD images.
 * {@code user} is the cephx id without the {@code client.} prefix (e.g. {@code admin}).
 */
public record CephConfig(Path configFile, String user, Path keyringFile, String pool, Duration operationTimeout) {

    public CephConfig {
        Objects.requireNonNull(configFile, "ceph config file");
        Objects.requireNonNull(user, "ceph user");
        Objects.requireNonNull(keyringFile, "ceph keyring file");
        Objects.requireNonNull(pool, "ceph pool");
        Objects.requireNonNull(operationTimeout, "operation timeout");
        if (user.startsWith("client.")) {
            user = user.substring("client.".length());
        }
    }
}
