package dev.shelter.service.postgres;

import dev.shelter.runbooks.catalog.Leases;
import dev.shelter.runbooks.catalog.LeasesContract;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.testing.PostgresServer;
import dev.shelter.testing.RealPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** The leases contract against the catalog database's lease rows, in a database of the test's own. */
@RealPostgres
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcLeasesIT extends LeasesContract {

    private final PostgresServer postgres;
    private final String database = "shelter_leases_it_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private JdbcLeases leases;

    JdbcLeasesIT(PostgresServer postgres) {
        this.postgres = postgres;
    }

    @BeforeAll
    void createDatabase() throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        String url = postgres.jdbcUrl().replaceFirst("/[^/?]*(\\?|$)", "/" + database + "$1");
        leases = new JdbcLeases(new PostgresEndpoint(url, postgres.user(), postgres.password()));
    }

    @AfterAll
    void dropDatabase() throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    @Override
    protected Leases leases() {
        return leases;
    }
}
