package dev.shelter.runbooks.postgres;

import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.failure.ClusterUnreachableException;

import java.time.Duration;

/** The port through which use cases ask a PostgreSQL server about itself. */
public interface ServerInspector {

    /** Connects, asks, disconnects; throws {@link ClusterUnreachableException} within about {@code timeout}. */
    ServerFacts inspect(PostgresEndpoint endpoint, Duration timeout);

    /** The server's current values of integer settings (max_connections…), by name; throws as {@link #inspect} does. */
    java.util.Map<String, Integer> integerSettings(PostgresEndpoint endpoint, java.util.List<String> names, Duration timeout);
}
