package dev.shelter.service.postgres;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.postgres.RecoveryStalledException;
import dev.shelter.runbooks.postgres.RecoveryState.Phase;
import dev.shelter.runbooks.postgres.RecoveryState;
import dev.shelter.runbooks.postgres.RecoveryWatch.RecoveryObserver;
import dev.shelter.runbooks.postgres.ServerFacts;
import dev.shelter.testing.Poll;
import dev.shelter.testing.Ports;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Waiting for the end of recovery, on a real streaming standby of PostgreSQL 15 that pauses and is promoted. */
@RealPostgresBinaries
class JdbcRecoveryWatchIT {

    private final PostgresBinaries binaries;
    private final JdbcRecoveryWatch watch = new JdbcRecoveryWatch(new JdbcServerInspector());
    private ScratchDirectory scratch;
    private PostgresInstance primary;
    private PostgresInstance standby;

    JdbcRecoveryWatchIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeEach
    void startPrimaryAndStandby() {
        scratch = ScratchDirectory.create("shelter-recovery-watch-it");
        primary = PostgresInstance.create(binaries, scratch.resolve("primary"));
        primary.start();
        standby = PostgresInstance.createStandby(primary, scratch.resolve("standby"));
        standby.start();
        primary.awaitTrue("SELECT count(*) = 1 FROM pg_stat_replication WHERE state = 'streaming'", Duration.ofSeconds(30));
    }

    @AfterEach
    void stopBoth() {
        try {
            if (standby != null) {
                standby.close();
            }
            if (primary != null) {
                primary.close();
            }
        } finally {
            scratch.close();
        }
    }

    @Test
    void aStandbyStillReplayingIsReportedWithItsPositionWhenTheWaitRunsOut() throws Exception {
        primary.queryValue("SELECT count(*) FROM (SELECT pg_switch_wal()) s");
        Lsn written = Lsn.parse(primary.queryValue("SELECT pg_current_wal_lsn()::text"));
        standby.awaitTrue("SELECT pg_last_wal_replay_lsn() >= '" + written + "'::pg_lsn", Duration.ofSeconds(30));
        List<RecoveryState> seen = new CopyOnWriteArrayList<>();

        RecoveryStalledException stalled = assertThrows(RecoveryStalledException.class,
                () -> watch.awaitPromotion(endpoint(standby), Duration.ofSeconds(1), seen::add));

        assertEquals(Phase.REPLAYING, stalled.lastSeen().phase());
        assertFalse(stalled.lastSeen().replayed().compareTo(written) < 0, stalled.lastSeen().toString());
        assertTrue(stalled.getMessage().contains("had not ended after 1 s; last seen replaying, at"), stalled.getMessage());
        assertTrue(seen.size() >= 2, "looked more than once: " + seen);
        assertEquals("t", standby.queryValue("SELECT pg_is_in_recovery()"), "waiting changed nothing");
    }

    @Test
    void aPausedRecoveryFailsAtOnceNotAtTheTimeout() throws Exception {
        standby.queryValue("SELECT pg_wal_replay_pause()::text");
        standby.awaitTrue("SELECT pg_get_wal_replay_pause_state() = 'paused'", Duration.ofSeconds(30));
        long started = System.nanoTime();

        RecoveryStalledException stalled = assertThrows(RecoveryStalledException.class,
                () -> watch.awaitPromotion(endpoint(standby), Duration.ofSeconds(90), RecoveryObserver.NONE));

        assertEquals(Phase.PAUSED, stalled.lastSeen().phase());
        assertTrue(stalled.getMessage().contains("paused at " + stalled.lastSeen().replayed()), stalled.getMessage());
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(60), "did not wait for the 90-second timeout");
    }

    @Test
    void returnsThePromotedServersNewTimelineOnceRecoveryEnds() throws Exception {
        List<RecoveryState> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<ServerFacts> promoted = CompletableFuture.supplyAsync(
                () -> watch.awaitPromotion(endpoint(standby), Duration.ofMinutes(2), seen::add));
        // Promote only once the watch has seen the standby in recovery, so that it has waited for the promotion.
        Poll.until("the watch sees the standby replaying", Duration.ofSeconds(30), () -> List.copyOf(seen),
                looks -> promoted.isDone() || looks.stream().anyMatch(s -> s.phase() == Phase.REPLAYING));
        assertFalse(promoted.isDone(), "still waiting while the standby replays: " + seen);
        standby.promote();

        ServerFacts facts = promoted.get(2, TimeUnit.MINUTES);

        assertFalse(facts.inRecovery());
        assertEquals(2, facts.timeline().id(), "promotion starts timeline 2");
        assertEquals(standby.queryValue("SELECT system_identifier::text FROM pg_control_system()"), facts.systemIdentifier().toString());
        assertEquals(Phase.PROMOTED, seen.get(seen.size() - 1).phase());
    }

    @Test
    void aServerThatIsNotThereIsReportedAsNotAnsweringWhenTheWaitRunsOut() throws Exception {
        // Held for this JVM and bound by nobody: refused for sure, unlike a port found free that anyone may take.
        int port = Ports.reserve();
        PostgresEndpoint nowhere = new PostgresEndpoint("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "x");

        RecoveryStalledException stalled = assertThrows(RecoveryStalledException.class,
                () -> watch.awaitPromotion(nowhere, Duration.ofSeconds(1), RecoveryObserver.NONE));

        assertEquals(Phase.UNREACHABLE, stalled.lastSeen().phase());
        assertTrue(stalled.getMessage().contains("not answering (Connection to 127.0.0.1:" + port + " refused"), stalled.getMessage());
    }

    private static PostgresEndpoint endpoint(PostgresInstance server) {
        return new PostgresEndpoint(server.jdbcUrl(), server.user(), server.password());
    }
}
