package dev.shelter.service.health;

import com.codahale.metrics.health.HealthCheck;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.service.metrics.BackupMetrics;

import java.time.Duration;
import java.util.Optional;

/** Warns (unhealthy) when a cluster's newest completed backup is older than its configured bound. */
public final class BackupAgeHealthCheck extends HealthCheck {

    private final ClusterName cluster;
    private final Duration maxAge;
    private final BackupMetrics metrics;

    public BackupAgeHealthCheck(ClusterName cluster, Duration maxAge, BackupMetrics metrics) {
        this.cluster = cluster;
        this.maxAge = maxAge;
        this.metrics = metrics;
    }

    @Override
    protected Result check() {
        Optional<Duration> age = metrics.lastCompletedAge(cluster);
        if (age.isEmpty()) {
            return Result.unhealthy("cluster " + cluster + " has no completed backup");
        }
        if (age.get().compareTo(maxAge) > 0) {
            return Result.unhealthy("the newest completed backup of " + cluster + " is " + age.get().toMinutes()
                    + " minutes old; the bound is " + maxAge.toMinutes());
        }
        return Result.healthy("newest completed backup is " + age.get().toSeconds() + " s old");
    }
}
