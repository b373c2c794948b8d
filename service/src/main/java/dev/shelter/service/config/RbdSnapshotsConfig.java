package dev.shelter.service.config;

/** RBD snapshots in the pool of the top-level {@code ceph} section; volume sources are image names. */
public class RbdSnapshotsConfig implements SnapshotsConfig {
}
