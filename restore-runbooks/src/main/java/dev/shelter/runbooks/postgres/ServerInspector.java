package dev.shelter.runbooks.postgres;

import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.failure.ClusterUnreachableException;

import java.time.Duration;

/** The port through which use cases ask a PostgreSQL server about itself. */
public interface ServerInspector {

    /** Connects, asks, disconnects; throws {@link ClusterUnreachableException} within about {@code timeout}. */
    ServerFacts inspect(PostgresEndpoint endpoint, Duration timeout);
}
