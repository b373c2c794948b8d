package dev.shelter.runbooks.patroni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shelter.runbooks.cluster.ClusterTargetException;
import dev.shelter.runbooks.cluster.ClusterTargetException.Reason;
import dev.shelter.runbooks.cluster.HaMember;
import dev.shelter.runbooks.cluster.HaRole;
import dev.shelter.testing.LocalPatroniCluster;
import dev.shelter.testing.PatroniBinaries;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.RealPatroni;
import dev.shelter.testing.RealPostgresBinaries;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link PatroniRestClient} against a real two-member Patroni 3 cluster on loopback. Each test reads the leader afresh. */
@RealPatroni
@RealPostgresBinaries
class PatroniRestClientIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SWITCHOVER_TIMEOUT = Duration.ofSeconds(60);

    private static LocalPatroniCluster cluster;
    private static PatroniRestClient client;

    @RegisterExtension
    final TestWatcher logsOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            System.err.println(context.getDisplayName() + " failed; Patroni's logs:\n" + cluster.logTails());
        }
    };

    @BeforeAll
    static void startCluster(PatroniBinaries patroni, PostgresBinaries postgres) {
        cluster = LocalPatroniCluster.start(patroni, postgres, 2);
        client = new PatroniRestClient(cluster.restEndpoints(), Duration.ofSeconds(5), Duration.ofSeconds(30),
                Optional.of(new PatroniCredentials(cluster.restUsername(), cluster.restPassword())));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void findsTheLeaderAndItTakesWrites() throws Exception {
        List<HaMember> members = client.members();
        HaMember leader = client.leader();

        assertEquals(List.of("pg0", "pg1"), members.stream().map(HaMember::name).toList());
        assertEquals(1, members.stream().filter(m -> m.role() == HaRole.LEADER).count(), members.toString());
        assertEquals("127.0.0.1", leader.host());
        assertEquals(cluster.member(leader.name()).postgresPort(), leader.port());
        assertEquals("t", cluster.queryValue(leader.port(), "SELECT NOT pg_is_in_recovery()"));
        HaMember replica = members.stream().filter(m -> m.role() == HaRole.REPLICA).findFirst().orElseThrow();
        assertEquals("t", cluster.queryValue(replica.port(), "SELECT pg_is_in_recovery()"));
    }

    @Test
    void pauseAndResumeShowInPatronisOwnState() throws Exception {
        try {
            client.pause();
            assertTrue(client.isPaused());
            JsonNode paused = JSON.readTree(cluster.clusterJson());
            assertTrue(paused.path("pause").asBoolean(false), "GET /cluster: " + paused);
            for (LocalPatroniCluster.Member member : cluster.members()) {
                assertTrue(cluster.memberStatus(member).path("pause").asBoolean(false), member.name() + " does not report pause");
            }
            client.pause(); // idempotent
            assertTrue(client.isPaused());
        } finally {
            client.resume();
        }
        assertFalse(client.isPaused());
        JsonNode resumed = JSON.readTree(cluster.clusterJson());
        assertFalse(resumed.path("pause").asBoolean(false), "GET /cluster: " + resumed);
        for (LocalPatroniCluster.Member member : cluster.members()) {
            assertFalse(cluster.memberStatus(member).path("pause").asBoolean(false), member.name() + " still reports pause");
        }
        client.resume(); // idempotent
        assertFalse(client.isPaused());
    }

    @Test
    void refusesAPauseWithWrongCredentialsInPatronisWords() {
        PatroniRestClient intruder = new PatroniRestClient(cluster.restEndpoints(), Duration.ofSeconds(5), Duration.ofSeconds(10),
                Optional.of(new PatroniCredentials(cluster.restUsername(), "wrong")));

        ClusterTargetException e = assertThrows(ClusterTargetException.class, intruder::pause);

        assertEquals(Reason.FORBIDDEN, e.reason());
        assertTrue(e.getMessage().endsWith("answered PATCH /config with 401: not authenticated"), e.getMessage());
        assertFalse(client.isPaused());
    }

    @Test
    void switchoverMovesTheLeaderToTheReplica() throws Exception {
        cluster.awaitLeaderWithStreamingReplicas(Duration.ofSeconds(60));
        HaMember oldLeader = client.leader();
        HaMember candidate = client.members().stream().filter(m -> m.role() == HaRole.REPLICA).findFirst().orElseThrow();

        long started = System.nanoTime();
        client.switchover(candidate.name(), SWITCHOVER_TIMEOUT);
        System.out.printf("switchover %s -> %s took %d ms%n", oldLeader.name(), candidate.name(),
                Duration.ofNanos(System.nanoTime() - started).toMillis());

        HaMember newLeader = client.leader();
        assertEquals(candidate.name(), newLeader.name());
        assertEquals("t", cluster.queryValue(newLeader.port(), "SELECT NOT pg_is_in_recovery()"));
        // The old leader comes back as a replica of the new one, and replays what it writes.
        assertEquals(candidate.name(), cluster.awaitLeaderWithStreamingReplicas(Duration.ofSeconds(60)));
        HaMember demoted = client.members().stream().filter(m -> m.name().equals(oldLeader.name())).findFirst().orElseThrow();
        assertEquals(HaRole.REPLICA, demoted.role());
        assertEquals("t", cluster.queryValue(demoted.port(), "SELECT pg_is_in_recovery()"));
        String marker = "after switchover to " + candidate.name() + " at " + System.nanoTime();
        cluster.execute(newLeader.port(), "CREATE TABLE IF NOT EXISTS shelter_marker (note text)");
        cluster.execute(newLeader.port(), "INSERT INTO shelter_marker VALUES ('" + marker + "')");
        cluster.awaitQueryValue(demoted.port(), "SELECT count(*) FROM shelter_marker WHERE note = '" + marker + "'", "1",
                Duration.ofSeconds(30));
    }

    @Test
    void switchoverToTheLeaderItselfIsAlreadyDone() {
        HaMember leader = client.leader();

        client.switchover(leader.name(), SWITCHOVER_TIMEOUT);

        assertEquals(leader.name(), client.leader().name());
    }

    @Test
    void refusesASwitchoverToANonMember() {
        HaMember leader = client.leader();

        ClusterTargetException e = assertThrows(ClusterTargetException.class,
                () -> client.switchover("pg-nonexistent", Duration.ofSeconds(10)));

        assertEquals(Reason.NOT_FOUND, e.reason());
        assertTrue(e.getMessage().startsWith("cannot switch over to 'pg-nonexistent': it is not a member of this Patroni cluster"),
                e.getMessage());
        assertTrue(e.getMessage().contains("pg0 (") && e.getMessage().contains("pg1 ("), e.getMessage());
        assertEquals(leader.name(), client.leader().name());
    }
}
