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

    /**
     * The one server the URL names, as "host:port" (port 5432 when it names none); empty for a URL
     * naming several hosts, or none.
     */
    public java.util.Optional<String> server() {
        String rest = jdbcUrl.substring("jdbc:postgresql:".length());
        if (!rest.startsWith("//")) {
            return java.util.Optional.empty();
        }
        String authority = rest.substring(2).split("[/?]", 2)[0];
        if (authority.isEmpty() || authority.contains(",")) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(authority.matches(".*:\\d+$") ? authority : authority + ":5432");
    }

    @Override
    public String toString() {
        return "PostgresEndpoint[" + jdbcUrl + " as " + user + "]";
    }
}
