package dev.shelter.runbooks.cluster;

import dev.shelter.runbooks.backup.ClusterName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterSpecTest {

    private static final ClusterTarget LOCAL = new LocalTarget(Path.of("/data"), Path.of("/bin"), "postgres");
    private static final PostgresEndpoint PG = new PostgresEndpoint("jdbc:postgresql://127.0.0.1/postgres", "postgres", "secret");

    @Test
    void acceptsOnePgdataWalAndTablespaces() {
        ClusterSpec spec = new ClusterSpec(new ClusterName("pg-main"), LOCAL, PG, List.of(
                new VolumeSpec(VolumeRole.PGDATA, null, "/data"),
                new VolumeSpec(VolumeRole.PGWAL, null, "/wal"),
                new VolumeSpec(VolumeRole.TABLESPACE, "fast", "/ts/fast")));
        assertEquals(List.of("pgdata", "pgwal", "fast"), spec.volumes().stream().map(VolumeSpec::name).toList());
    }

    @Test
    void refusesASetWithoutPgdata() {
        assertThrows(IllegalArgumentException.class, () -> new ClusterSpec(new ClusterName("a"), LOCAL, PG,
                List.of(new VolumeSpec(VolumeRole.PGWAL, null, "/wal"))));
    }

    @Test
    void refusesTwoVolumesWithOneName() {
        assertThrows(IllegalArgumentException.class, () -> new ClusterSpec(new ClusterName("a"), LOCAL, PG, List.of(
                new VolumeSpec(VolumeRole.PGDATA, null, "/data"),
                new VolumeSpec(VolumeRole.TABLESPACE, "pgdata", "/ts"))));
    }

    @Test
    void passwordStaysOutOfToString() {
        assertFalse(PG.toString().contains("secret"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Upper", "-lead", "trail-", "has_underscore", "a.b"})
    void refusesNamesThatAreNotDnsLabels(String name) {
        assertFalse(ClusterName.isValid(name));
        assertThrows(IllegalArgumentException.class, () -> new ClusterName(name));
    }

    @Test
    void acceptsDnsLabels() {
        assertTrue(ClusterName.isValid("pg-15-main"));
    }
}
