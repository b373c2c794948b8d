package dev.shelter.service.health;

import com.codahale.metrics.health.HealthCheck;
import dev.shelter.storage.rbd.CephConfig;
import dev.shelter.storage.rbd.RadosCluster;
import dev.shelter.storage.rbd.RbdPool;

/**
 * Healthy when Ceph answers and the pool lists its images. Connects afresh each time, with
 * bounded timeouts, so that a Ceph that was down at startup is seen when it comes back.
 */
public final class CephPoolHealthCheck extends HealthCheck {

    private final CephConfig config;

    public CephPoolHealthCheck(CephConfig config) {
        this.config = config;
    }

    @Override
    protected Result check() {
        try (RadosCluster cluster = RadosCluster.connect(config); RbdPool pool = cluster.openPool()) {
            pool.probe();
            return Result.builder().healthy().withMessage("pool %s answers", config.pool())
                    .withDetail("fsid", cluster.fsid()).build();
        }
    }
}
