package dev.shelter.runbooks.local;

import dev.shelter.runbooks.cluster.ClusterControl;
import dev.shelter.runbooks.cluster.ClusterControlContract;
import dev.shelter.runbooks.cluster.ClusterEvent;
import dev.shelter.runbooks.cluster.ClusterTargetException;
import dev.shelter.runbooks.cluster.LocalTarget;
import dev.shelter.runbooks.cluster.Member;
import dev.shelter.runbooks.cluster.VolumeLocation;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.cluster.VolumeSpec;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local adapter against a real PostgreSQL 15 of its own: the same contract as on Kubernetes. */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalClusterControlIT extends ClusterControlContract {

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance postgres;
    private LocalClusterControl control;

    LocalClusterControlIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeAll
    void startALocalServer() {
        scratch = ScratchDirectory.create("shelter-local-control-it");
        postgres = PostgresInstance.create(binaries, scratch.resolve("cluster"));
        postgres.start();
        control = new LocalClusterControl("local", new LocalTarget(postgres.dataDirectory(), binaries.directory(), "postgres"),
                List.of(new VolumeSpec(VolumeRole.PGDATA, null, postgres.dataDirectory().toString())),
                scratch.resolve("state"));
    }

    @AfterAll
    void stopIt() {
        if (postgres != null) {
            postgres.close();
        }
        if (scratch != null) {
            scratch.close();
        }
    }

    @Override
    protected ClusterControl control() {
        return control;
    }

    @Override
    protected Connection connect() throws SQLException {
        return postgres.connect();
    }

    @Override
    protected void assertReleased(Member member) {
        assertFalse(postgres.isRunning(), "pg_ctl status still sees the server");
        assertFalse(Files.exists(postgres.dataDirectory().resolve("postmaster.pid")), "postmaster.pid is still there");
        assertEquals(List.of(new VolumeLocation.LocalDirectory(postgres.dataDirectory())),
                member.volumes().stream().map(v -> v.location()).toList());
    }

    @Override
    protected String pgdataClaim() {
        return postgres.dataDirectory().toString();
    }

    @Test
    @Order(11)
    void onlyThePgdataVolumeHasAControlFileAndTheStateStaysOutOfTheBackupSet() {
        ClusterTargetException other = assertThrows(ClusterTargetException.class,
                () -> control.readControlFile("/somewhere/else", TIMEOUT));
        assertEquals(ClusterTargetException.Reason.NOT_FOUND, other.reason());
        assertTrue(other.getMessage().contains("has no pgdata volume /somewhere/else"), other.getMessage());

        LocalTarget target = new LocalTarget(postgres.dataDirectory(), binaries.directory(), "postgres");
        List<VolumeSpec> volumes = List.of(new VolumeSpec(VolumeRole.PGDATA, null, postgres.dataDirectory().toString()));
        IllegalArgumentException inside = assertThrows(IllegalArgumentException.class,
                () -> new LocalClusterControl("local", target, volumes, postgres.dataDirectory().resolve("shelter")));
        assertTrue(inside.getMessage().contains("which a rollback takes back in time"), inside.getMessage());
    }

    @Test
    @Order(10)
    void eventsGoToTheStateDirectoryAndThereAreNoNodesOrJobs() throws Exception {
        control.recordEvent(ClusterEvent.warning("RestoreFailed", "it: a test event"));
        String events = Files.readString(scratch.resolve("state").resolve(LocalClusterControl.EVENTS_FILE));
        assertTrue(events.contains(" WARNING RestoreFailed it: a test event\n"), events);
        assertTrue(control.nodeMaintenance().isEmpty());
        assertTrue(control.volumeJobs().isEmpty());
        Path annotations = scratch.resolve("state").resolve(LocalClusterControl.ANNOTATIONS_FILE);
        assertTrue(Files.readString(annotations).contains("shelter.dev/note=x"), Files.readString(annotations));
    }
}
