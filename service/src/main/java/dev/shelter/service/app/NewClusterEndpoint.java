package dev.shelter.service.app;

import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.cluster.ProtectedCluster;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Where a new cluster's PostgreSQL answers: the source's JDBC URL with another host and port, and the source's user and password. */
final class NewClusterEndpoint {

    private static final Pattern JDBC_HOST_PORT = Pattern.compile("^jdbc:postgresql://([^/:?]+)(?::(\\d+))?(/.*)?$");

    private final ProtectedCluster source;
    private final Matcher url;

    NewClusterEndpoint(ProtectedCluster source) {
        this.source = source;
        this.url = JDBC_HOST_PORT.matcher(source.spec().postgres().jdbcUrl());
        if (!url.matches()) {
            throw new IllegalStateException("the JDBC URL of " + source.name() + " names no host: " + source.spec().postgres().jdbcUrl());
        }
    }

    String sourceHost() {
        return url.group(1);
    }

    /** The source's port, as its URL says (PostgreSQL's default when it says none). */
    int sourcePort() {
        return url.group(2) == null ? 5432 : Integer.parseInt(url.group(2));
    }

    PostgresEndpoint at(String host, int port) {
        PostgresEndpoint endpoint = source.spec().postgres();
        String pathAndQuery = url.group(3) == null ? "/postgres" : url.group(3);
        return new PostgresEndpoint("jdbc:postgresql://" + host + ":" + port + pathAndQuery, endpoint.user(), endpoint.password());
    }
}
