package dev.shelter.runbooks.cluster;

import java.util.Objects;

/** How Shelter reaches a cluster's PostgreSQL. The password never appears in {@link #toString()}. */
public record PostgresEndpoint(String jdbcUrl, String user, String password) {

    public PostgresEndpoint {
        Objects.requireNonNull(jdbcUrl, "jdbc url");
        Objects.requireNonNull(user, "user");
        password = password == null ? "" : password;
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("jdbc url must start with jdbc:postgresql: but was '" + jdbcUrl + "'");
        }
    }

    @Override
    public String toString() {
        return "PostgresEndpoint[" + jdbcUrl + " as " + user + "]";
    }
}
