package dev.shelter.testing;

import org.testcontainers.postgresql.PostgreSQLContainer;

import java.util.Optional;

final class PostgresExtension extends RealServerExtension<PostgresServer> {

    @Override
    protected Class<PostgresServer> serverType() {
        return PostgresServer.class;
    }

    @Override
    protected String serverName() {
        return "PostgreSQL";
    }

    @Override
    protected String environmentHint() {
        return "SHELTER_STACK_PG_URL, SHELTER_STACK_PG_USER, SHELTER_STACK_PG_PASSWORD";
    }

    @Override
    protected Optional<PostgresServer> fromEnvironment() {
        return env("SHELTER_STACK_PG_URL").map(url -> new PostgresServer(url,
                env("SHELTER_STACK_PG_USER").orElse("postgres"), env("SHELTER_STACK_PG_PASSWORD").orElse("")));
    }

    @Override
    protected Optional<PostgresServer> fromContainer() {
        @SuppressWarnings("resource") // lives for the JVM; Testcontainers' reaper removes it
        PostgreSQLContainer container = new PostgreSQLContainer("postgres:15");
        container.start();
        return Optional.of(new PostgresServer(container.getJdbcUrl(), container.getUsername(), container.getPassword()));
    }
}
