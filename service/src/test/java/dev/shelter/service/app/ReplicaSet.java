package dev.shelter.service.app;

import dev.shelter.testing.PostgresServer;
import dev.shelter.testing.ScratchDirectory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Shelter processes as replicas of one another: one catalog database (a database of their own on
 * the stack's PostgreSQL, dropped at the end), one object store under the scratch directory, and
 * the same clusters. Each replica has a name, its home and its log; closing stops them all.
 */
final class ReplicaSet implements AutoCloseable {

    private final PostgresServer catalogServer;
    private final ScratchDirectory scratch;
    private final String token;
    private final String database;
    private final String catalogUrl;
    private final Map<String, ShelterProcess> running = new TreeMap<>();

    private ReplicaSet(PostgresServer catalogServer, ScratchDirectory scratch, String token, String database) {
        this.catalogServer = catalogServer;
        this.scratch = scratch;
        this.token = token;
        this.database = database;
        this.catalogUrl = catalogServer.jdbcUrl().replaceFirst("/[^/?]*(\\?|$)", "/" + database + "$1");
    }

    /** {@code token} is an admin token every replica accepts. */
    static ReplicaSet create(PostgresServer catalogServer, ScratchDirectory scratch, String token) throws SQLException {
        String database = "shelter_replicas_it_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        try (Connection c = catalogServer.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        return new ReplicaSet(catalogServer, scratch, token, database);
    }

    String catalogUrl() {
        return catalogUrl;
    }

    /**
     * Starts replica {@code name} with the clusters of {@code clustersSection} (a YAML {@code clusters:}
     * list) and {@code scheduleSettings} added to its {@code schedules} (e.g. {@code ", checkInSeconds: 2"}).
     */
    ShelterProcess start(String name, String clustersSection, String scheduleSettings) throws Exception {
        Path home = scratch.resolve(name);
        Files.createDirectories(home);
        Path config = home.resolve("shelter.yml");
        Files.writeString(config, """
                server:
                  applicationConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
                  adminConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
                  requestLog: {appenders: []}
                logging: {level: INFO}
                auth:
                  tokens: [{name: it-admin, role: admin, token: %s}]
                """.formatted(token) + clustersSection + """
                objectStore: {kind: filesystem, directory: "%s"}
                catalog: {kind: postgres, postgres: {jdbcUrl: "%s", user: "%s", password: "%s"}}
                schedules: {replica: %s%s}
                """.formatted(scratch.resolve("store"), catalogUrl, catalogServer.user(), catalogServer.password(), name,
                scheduleSettings));
        ShelterProcess process = ShelterProcess.start(config, token, home.resolve("shelter-" + Instant.now().toEpochMilli() + ".log"));
        running.put(name, process);
        return process;
    }

    /** Kills replica {@code name} with -9, as a crash or the OOM killer would; returns its exit status (137). */
    int kill(String name) throws InterruptedException {
        return running.remove(name).killHard();
    }

    /** Stops replica {@code name} cleanly. */
    void stop(String name) {
        running.remove(name).close();
    }

    void stopAll() {
        List.copyOf(running.keySet()).forEach(this::stop);
    }

    @Override
    public void close() throws SQLException {
        stopAll();
        try (Connection c = catalogServer.connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }
}
