package dev.shelter.scheduler.quartz;

import java.util.Objects;
import java.util.Properties;

/**
 * Where Quartz keeps triggers: in memory (one replica, local mode) or in the catalog PostgreSQL,
 * clustered, so that several replicas fire each trigger once. The clustered store locks before it
 * acquires triggers (two replicas never acquire one trigger) and its pool is larger than the
 * worker threads by three, as Quartz needs (quartz#700, #857).
 */
public sealed interface QuartzStore {

    /** Quartz's store properties for a scheduler with {@code threads} workers. */
    Properties properties(int threads);

    /** One replica; the triggers are rebuilt by the service at start. */
    record InMemory() implements QuartzStore {
        @Override
        public Properties properties(int threads) {
            Properties properties = new Properties();
            properties.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
            return properties;
        }
    }

    /**
     * The catalog database, tables in schema {@value QuartzTables#SCHEMA}. {@code checkInMillis}
     * bounds how long a dead replica's triggers wait before another replica takes them.
     */
    record ClusteredPostgres(String jdbcUrl, String user, String password, long checkInMillis) implements QuartzStore {

        public ClusteredPostgres {
            Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            Objects.requireNonNull(user, "user");
            if (checkInMillis < 1_000) {
                throw new IllegalArgumentException("checkInMillis must be at least 1000, not " + checkInMillis);
            }
        }

        @Override
        public Properties properties(int threads) {
            Properties properties = new Properties();
            properties.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
            properties.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
            properties.setProperty("org.quartz.jobStore.tablePrefix", QuartzTables.PREFIX);
            properties.setProperty("org.quartz.jobStore.isClustered", "true");
            properties.setProperty("org.quartz.jobStore.clusterCheckinInterval", Long.toString(checkInMillis));
            properties.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
            properties.setProperty("org.quartz.jobStore.useProperties", "true");
            properties.setProperty("org.quartz.jobStore.dataSource", "catalog");
            properties.setProperty("org.quartz.dataSource.catalog.provider", "hikaricp");
            properties.setProperty("org.quartz.dataSource.catalog.driver", "org.postgresql.Driver");
            properties.setProperty("org.quartz.dataSource.catalog.URL", jdbcUrl);
            properties.setProperty("org.quartz.dataSource.catalog.user", user);
            properties.setProperty("org.quartz.dataSource.catalog.password", password == null ? "" : password);
            properties.setProperty("org.quartz.dataSource.catalog.maxConnections", Integer.toString(threads + 3));
            return properties;
        }

        @Override
        public String toString() {
            return "ClusteredPostgres[" + jdbcUrl + ", user " + user + "]";
        }
    }
}
