package dev.shelter.service.app;

import dev.shelter.runbooks.cluster.KubernetesTarget;
import dev.shelter.runbooks.kubernetes.KubernetesClusterControl;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.KubeApiServer;
import dev.shelter.testing.KubeTestBed;
import dev.shelter.testing.Ports;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.PostgresStatefulSet;
import dev.shelter.testing.ScratchDirectory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A StatefulSet "orders" on the Kubernetes test bed that Shelter can restore: its PGDATA on a real
 * RBD image, an operator token its PostgreSQL can read for archive_command and restore_command,
 * Shelter's port chosen up front (the restore_command written into a restored cluster must reach a
 * restarted Shelter too), and the clusters, ceph and kubernetes sections of Shelter's configuration,
 * with the restore-prepare job running Shelter's own jar.
 */
final class RestorableStatefulSet implements AutoCloseable {

    final KubeTestBed bed;
    final PostgresStatefulSet orders;
    final ScratchDirectory scratch;
    final int shelterPort;
    private final KubeApiServer server;
    private final CephServer ceph;
    private final Path tokenFile;
    private final Path serviceAccountToken;
    private final String operatorToken;

    private RestorableStatefulSet(KubeApiServer server, CephServer ceph, KubeTestBed bed, PostgresStatefulSet orders, ScratchDirectory scratch,
                                  Path tokenFile, Path serviceAccountToken, int shelterPort, String operatorToken) {
        this.server = server;
        this.ceph = ceph;
        this.bed = bed;
        this.orders = orders;
        this.scratch = scratch;
        this.tokenFile = tokenFile;
        this.serviceAccountToken = serviceAccountToken;
        this.shelterPort = shelterPort;
        this.operatorToken = operatorToken;
    }

    static RestorableStatefulSet start(KubeApiServer server, CephServer ceph, PostgresBinaries binaries, String name, String operatorToken)
            throws Exception {
        KubeTestBed bed = KubeTestBed.open(server, ceph, binaries);
        PostgresStatefulSet orders = bed.startPostgres("orders");
        ScratchDirectory scratch = ScratchDirectory.create(name);
        // The pod's PostgreSQL (the postgres OS user) reads the operator token for its archive and restore commands.
        Files.setPosixFilePermissions(scratch.path(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path tokenFile = scratch.resolve("operator-token");
        Files.writeString(tokenFile, operatorToken + "\n");
        PostgresInstance.chownToServerUser(tokenFile);
        Path saToken = scratch.resolve("sa-token");
        Files.writeString(saToken, bed.shelterToken());
        return new RestorableStatefulSet(server, ceph, bed, orders, scratch, tokenFile, saToken, Ports.reserve(), operatorToken);
    }

    /** The clusters, ceph and kubernetes sections; {@code restoreSettings} go into the cluster's restore block ("checks: [...]"). */
    String sections(String restoreSettings) {
        Path jar = ShelterProcess.JAR.toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "the restore-prepare job runs Shelter's jar, built by package: " + jar);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return """
                clusters:
                  - name: orders
                    target: {kind: kubernetes, namespace: %s, statefulSet: orders, pgdataPath: pgdata}
                    postgres: {jdbcUrl: "%s", user: %s, password: %s}
                    volumes: [{role: pgdata, source: pgdata}]
                    snapshots: {kind: rbd}
                    backups: {walTimeoutSeconds: 120}
                    restore: {walUrl: "http://127.0.0.1:%d", tokenFile: "%s", recoveryTimeoutMinutes: 4%s}
                ceph: {configFile: "%s", user: %s, keyringFile: "%s", pool: %s}
                kubernetes:
                  server: "%s"
                  token: "file:%s"
                  certificateAuthorityFile: "%s"
                  shelterImage: "shelter:it"
                  shelterCommand: ["%s", "-jar", "%s"]
                """.formatted(bed.namespace(), orders.jdbcUrl(), orders.user(), orders.password(), shelterPort, tokenFile,
                restoreSettings.isEmpty() ? "" : ", " + restoreSettings, ceph.config().configFile(), ceph.config().user(),
                ceph.config().keyringFile(), ceph.config().pool(), server.url(), serviceAccountToken, server.certificateAuthority(),
                java, jar);
    }

    /**
     * Shelter in this process, on the port chosen up front, with the sections above, an object store
     * in {@link #store()} and {@code moreYaml} (whole top-level lines).
     */
    InProcessShelter startShelter(String adminToken, String restoreSettings, String moreYaml) throws Exception {
        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(adminToken), InProcessShelter.operator(operatorToken))
                .replaceFirst("port: 0", "port: " + shelterPort)
                + sections(restoreSettings)
                + "objectStore: {kind: filesystem, directory: \"" + store() + "\"}\n"
                + moreYaml);
        return InProcessShelter.startOn(config, adminToken);
    }

    /** Where the Shelter of {@link #startShelter} keeps its catalog and archive. */
    Path store() {
        return scratch.resolve("store");
    }

    /** Stops the Shelter (if it started) and then the test bed (if it started). */
    static void stop(InProcessShelter shelter, RestorableStatefulSet statefulSet) {
        try {
            if (shelter != null) {
                shelter.close();
            }
        } finally {
            if (statefulSet != null) {
                statefulSet.close();
            }
        }
    }

    /**
     * archive_command PUTs each WAL file to Shelter, and commit times are kept (track_commit_timestamp,
     * which needs a restart: the StatefulSet scaled to 0 and back, as an operator would).
     */
    void archiveThroughShelter() throws Exception {
        String archiveCommand = "curl -sSf -X PUT -H \"Authorization: Bearer $(cat " + tokenFile + ")\" -H \"Content-Type: "
                + "application/octet-stream\" --data-binary \"@%p\" http://127.0.0.1:" + shelterPort + "/api/v1/clusters/orders/wal/%f";
        orders.execute("ALTER SYSTEM SET archive_command = '" + archiveCommand.replace("'", "''") + "'",
                "ALTER SYSTEM SET track_commit_timestamp = on");
        KubernetesClusterControl statefulSet = new KubernetesClusterControl(bed.adminClient(), new KubernetesTarget(bed.namespace(),
                "orders"));
        statefulSet.scale(0, Duration.ofMinutes(2));
        statefulSet.scale(1, Duration.ofMinutes(2));
        assertEquals("on", orders.queryValue("SHOW track_commit_timestamp"));
    }

    @Override
    public void close() {
        try {
            bed.close();
        } finally {
            scratch.close();
        }
    }
}
