package dev.shelter.testing;

import dev.shelter.storage.rbd.CephConfig;

/** A real Ceph cluster (mon + OSD) with a pool for RBD images. */
public record CephServer(CephConfig config) {

    @Override
    public String toString() {
        return "Ceph " + config.configFile() + " pool " + config.pool();
    }
}
