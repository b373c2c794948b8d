package dev.shelter.service.app;

import dev.shelter.testing.Ports;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.ScratchDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * A local test cluster that Shelter can restore: a PostgreSQL that archives through Shelter's WAL
 * endpoint, an operator token in a file PostgreSQL can read (for archive_command and the
 * restore_command Shelter writes), and Shelter's port chosen up front, since the restore_command
 * written into a restored cluster must still reach Shelter after a restart.
 */
final class RestorableCluster implements AutoCloseable {

    static final String OPERATOR = "restorable-cluster-operator-token";

    final PostgresInstance primary;
    final Path tokenFile;
    final int shelterPort;

    private RestorableCluster(PostgresInstance primary, Path tokenFile, int shelterPort) {
        this.primary = primary;
        this.tokenFile = tokenFile;
        this.shelterPort = shelterPort;
    }

    /** Created, not started: its postgresql.conf can still be changed. */
    static RestorableCluster create(PostgresBinaries binaries, ScratchDirectory scratch) throws IOException {
        PostgresInstance primary = PostgresInstance.create(binaries, scratch.resolve("primary"));
        Path tokenFile = scratch.resolve("primary/operator-token");
        Files.writeString(tokenFile, OPERATOR + "\n");
        PostgresInstance.chownToServerUser(tokenFile);
        return new RestorableCluster(primary, tokenFile, Ports.reserve());
    }

    /** The clusters section for it: local target, local-directory snapshots under {@code snapshots}, restores on. */
    String clustersSection(String name, PostgresBinaries binaries, Path snapshots) {
        return clustersSection(name, binaries, snapshots, List.of());
    }

    /** As above, with the restore's checks of the restored data. */
    String clustersSection(String name, PostgresBinaries binaries, Path snapshots, List<String> checks) {
        return """
                clusters:
                  - name: %s
                    target: {kind: local, dataDirectory: "%s", binDirectory: "%s"}
                    postgres: {jdbcUrl: "%s", user: postgres, password: "%s"}
                    volumes: [{role: pgdata, source: "%s"}]
                    snapshots: {kind: local-directory, directory: "%s"}
                    backups: {walTimeoutSeconds: 120}
                    restore: {walUrl: "http://127.0.0.1:%d", tokenFile: "%s", recoveryTimeoutMinutes: 4, checks: [%s]}
                """.formatted(name, primary.dataDirectory(), binaries.directory(), primary.jdbcUrl(), primary.password(),
                primary.dataDirectory(), snapshots, shelterPort, tokenFile,
                String.join(", ", checks.stream().map(check -> "\"" + check + "\"").toList()));
    }

    /** Once started: archive_command PUTs each WAL file to Shelter (the README's, with curl). */
    void archiveThroughShelter(String cluster) throws SQLException {
        String archiveCommand = "curl -sSf -X PUT -H \"Authorization: Bearer $(cat " + tokenFile + ")\" -H \"Content-Type: "
                + "application/octet-stream\" --data-binary \"@%p\" http://127.0.0.1:" + shelterPort + "/api/v1/clusters/" + cluster
                + "/wal/%f";
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET archive_command = '" + archiveCommand.replace("'", "''") + "'");
            s.execute("SELECT pg_reload_conf()");
        }
    }

    /** Stops its PostgreSQL. */
    @Override
    public void close() {
        primary.close();
    }
}
