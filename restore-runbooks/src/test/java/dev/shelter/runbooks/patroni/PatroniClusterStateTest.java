package dev.shelter.runbooks.patroni;

import dev.shelter.runbooks.cluster.HaMember;
import dev.shelter.runbooks.cluster.HaRole;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PatroniClusterStateTest {

    /** Recorded from Patroni 3.0.2 (Debian) with two members on loopback, paused. */
    private static final String PAUSED = """
            {"members": [{"name": "m0", "role": "replica", "state": "running", "api_url": "http://127.0.0.1:48000/patroni", \
            "host": "127.0.0.1", "port": 48100, "timeline": 1, "lag": 0}, {"name": "m1", "role": "leader", "state": "running", \
            "api_url": "http://127.0.0.1:48001/patroni", "host": "127.0.0.1", "port": 48101, "timeline": 1}], "pause": true}""";

    /** Recorded a second after a switchover from m1 to m0: the old leader is down and reports no position yet. */
    private static final String DURING_SWITCHOVER = """
            {"members": [{"name": "m0", "role": "leader", "state": "running", "api_url": "http://127.0.0.1:48000/patroni", \
            "host": "127.0.0.1", "port": 48100, "timeline": 2}, {"name": "m1", "role": "replica", "state": "stopped", \
            "api_url": "http://127.0.0.1:48001/patroni", "host": "127.0.0.1", "port": 48101, "lag": "unknown"}]}""";

    @Test
    void readsMembersRolesAndPause() {
        PatroniClusterState state = PatroniClusterState.parse(PAUSED);

        assertEquals(List.of(
                new HaMember("m0", HaRole.REPLICA, "running", "127.0.0.1", 48100, Optional.of(0L)),
                new HaMember("m1", HaRole.LEADER, "running", "127.0.0.1", 48101, Optional.empty())), state.members());
        assertTrue(state.paused());
        assertEquals("m1", state.leader().orElseThrow().name());
        assertEquals(Optional.of(URI.create("http://127.0.0.1:48001/patroni")), state.statusUrl("m1"));
    }

    @Test
    void anUnknownLagIsEmptyAndNoPauseKeyMeansRunning() {
        PatroniClusterState state = PatroniClusterState.parse(DURING_SWITCHOVER);

        HaMember oldLeader = state.member("m1").orElseThrow();
        assertEquals(HaRole.REPLICA, oldLeader.role());
        assertEquals("stopped", oldLeader.state());
        assertEquals(Optional.empty(), oldLeader.lagBytes());
        assertEquals("m0", state.leader().orElseThrow().name());
        assertFalse(state.paused());
        assertEquals("m0 (LEADER, running), m1 (REPLICA, stopped, lag unknown)", state.describe());
    }

    @Test
    void aLagInBytesIsKept() {
        PatroniClusterState state = PatroniClusterState.parse("""
                {"members": [{"name": "a", "role": "leader", "state": "running", "host": "10.0.0.1", "port": 5432},
                             {"name": "b", "role": "sync_standby", "state": "streaming", "host": "10.0.0.2", "port": 5432,
                              "lag": 5368709120}]}""");

        assertEquals(Optional.of(5_368_709_120L), state.member("b").orElseThrow().lagBytes());
        assertEquals(HaRole.REPLICA, state.member("b").orElseThrow().role());
    }

    @Test
    void noLeaderIsEmptyNotAnError() {
        PatroniClusterState state = PatroniClusterState.parse("""
                {"members": [{"name": "a", "role": "replica", "state": "stopped", "lag": "unknown"}]}""");

        assertTrue(state.leader().isEmpty());
        assertEquals("", state.members().get(0).host());
        assertEquals(0, state.members().get(0).port());
    }

    @ParameterizedTest
    @CsvSource({"leader,LEADER", "master,LEADER", "standby_leader,LEADER", "replica,REPLICA", "sync_standby,REPLICA",
            "quorum_standby,OTHER", "'',OTHER"})
    void mapsPatroniRoles(String patroniRole, HaRole role) {
        assertEquals(role, PatroniClusterState.roleOf(patroniRole));
    }

    @Test
    void refusesWhatIsNotAClusterState() {
        assertThrows(IllegalArgumentException.class, () -> PatroniClusterState.parse("<html>502 Bad Gateway</html>"));
        assertThrows(IllegalArgumentException.class, () -> PatroniClusterState.parse("{\"state\": \"running\"}"));
        assertThrows(IllegalArgumentException.class, () -> PatroniClusterState.parse("{\"members\": [{\"role\": \"leader\"}]}"));
    }
}
