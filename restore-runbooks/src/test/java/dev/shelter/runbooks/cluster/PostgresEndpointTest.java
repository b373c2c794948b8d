package dev.shelter.runbooks.cluster;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which server a JDBC URL names, to find the HA member Shelter restores. */
class PostgresEndpointTest {

    @Test
    void namesOneServerAsHostAndPortWithPostgreSqlsDefaultPort() {
        assertEquals(Optional.of("127.0.0.1:54321"), server("jdbc:postgresql://127.0.0.1:54321/postgres"));
        assertEquals(Optional.of("pg-main.db.svc:5432"), server("jdbc:postgresql://pg-main.db.svc/postgres?sslmode=require"));
        assertEquals(Optional.of("db:5433"), server("jdbc:postgresql://db:5433?user=x"));
    }

    @Test
    void namesNoServerForSeveralHostsOrNone() {
        assertEquals(Optional.empty(), server("jdbc:postgresql://a:5432,b:5432/postgres"));
        assertEquals(Optional.empty(), server("jdbc:postgresql:postgres"));
    }

    private static Optional<String> server(String url) {
        return new PostgresEndpoint(url, "postgres", "").server();
    }
}
