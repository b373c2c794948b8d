package dev.shelter.service.postgres;

import dev.shelter.runbooks.catalog.BackupIndex;
import dev.shelter.runbooks.catalog.BackupIndexContract;
import dev.shelter.runbooks.catalog.ManifestCodec;
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

/** The index contract against the PostgreSQL catalog database, in a database of the test's own. */
@RealPostgres
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcBackupIndexIT extends BackupIndexContract {

    private final PostgresServer postgres;
    private final String database = "shelter_index_it_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private JdbcBackupIndex index;

    JdbcBackupIndexIT(PostgresServer postgres) {
        this.postgres = postgres;
    }

    @BeforeAll
    void createDatabase() throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        String url = postgres.jdbcUrl().replaceFirst("/[^/?]*(\\?|$)", "/" + database + "$1");
        index = new JdbcBackupIndex(new PostgresEndpoint(url, postgres.user(), postgres.password()), new ManifestCodec());
    }

    @AfterAll
    void dropDatabase() throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    @Override
    protected BackupIndex index() {
        return index;
    }
}
