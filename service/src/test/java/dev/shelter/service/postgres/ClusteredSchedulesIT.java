package dev.shelter.service.postgres;

import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.scheduler.Cron;
import dev.shelter.scheduler.Fire;
import dev.shelter.scheduler.FireOutcome;
import dev.shelter.scheduler.FireRecord;
import dev.shelter.scheduler.FireState;
import dev.shelter.scheduler.Schedule;
import dev.shelter.scheduler.ScheduleId;
import dev.shelter.scheduler.ScheduleKind;
import dev.shelter.scheduler.quartz.QuartzSchedules;
import dev.shelter.scheduler.quartz.QuartzStore;
import dev.shelter.service.health.ClockSkewHealthCheck;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresServer;
import dev.shelter.testing.RealPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two schedulers on one catalog database, Quartz clustered: each fire time runs exactly once,
 * counted from the ledger's rows, and the schedules outlive a restart of both.
 */
@RealPostgres
class ClusteredSchedulesIT {

    private static final Duration BOUND = Duration.ofSeconds(60);

    private final PostgresServer postgres;
    private final String database = "shelter_schedules_it_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private final List<QuartzSchedules> running = new ArrayList<>();
    private final ConcurrentLinkedQueue<Fire> performed = new ConcurrentLinkedQueue<>();
    private String url;

    ClusteredSchedulesIT(PostgresServer postgres) {
        this.postgres = postgres;
    }

    @BeforeEach
    void createDatabase() throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        url = postgres.jdbcUrl().replaceFirst("/[^/?]*(\\?|$)", "/" + database + "$1");
    }

    @AfterEach
    void stopAndDropDatabase() throws SQLException {
        running.forEach(QuartzSchedules::close);
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    @Test
    void twoReplicasRunEachFireTimeOnceAndTheScheduleOutlivesTheirRestart() throws Exception {
        // Started together: the tables are created once, under the advisory lock, whoever comes first.
        CompletableFuture<QuartzSchedules> startingA = CompletableFuture.supplyAsync(() -> replica("replica-a"));
        CompletableFuture<QuartzSchedules> startingB = CompletableFuture.supplyAsync(() -> replica("replica-b"));
        QuartzSchedules a = startingA.get();
        QuartzSchedules b = startingB.get();
        Schedule everyTwoSeconds = new Schedule(ScheduleId.random(), "main", ScheduleKind.BACKUP, Cron.parse("*/2 * * * * ?", "UTC"),
                Duration.ofSeconds(10), false, Map.of("mode", "online"));
        a.put(everyTwoSeconds);
        assertEquals(everyTwoSeconds, b.find(everyTwoSeconds.id()).orElseThrow(), "one store for both replicas");

        Poll.until("eight fires", BOUND, () -> performed.size() >= 8);
        assertEachFireTimeOnce(everyTwoSeconds.id());

        a.close();
        b.close();
        running.clear();
        int beforeRestart = performed.size();
        QuartzSchedules again = replica("replica-a");
        replica("replica-b");
        assertEquals(everyTwoSeconds, again.find(everyTwoSeconds.id()).orElseThrow(), "the schedule outlives a restart of both");
        Poll.until("fires after the restart", BOUND, () -> performed.size() >= beforeRestart + 4);
        assertEachFireTimeOnce(everyTwoSeconds.id());
    }

    /** The skew to the catalog database's clock: none on one machine, and a clock set 2 s ahead is caught. */
    @Test
    void aReplicaWhoseClockIsAheadOfTheCatalogIsUnhealthy() {
        Duration sameMachine = new JdbcClockSkew(endpoint(), Clock.systemUTC()).atLeast();
        assertTrue(sameMachine.compareTo(Duration.ofMillis(100)) < 0, "one machine, one clock: " + sameMachine);
        Clock ahead = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(2));
        Duration skew = new JdbcClockSkew(endpoint(), ahead).atLeast();
        assertTrue(skew.compareTo(Duration.ofMillis(1_500)) > 0 && skew.compareTo(Duration.ofMillis(2_100)) < 0, skew.toString());
        assertTrue(new ClockSkewHealthCheck(new JdbcClockSkew(endpoint(), Clock.systemUTC())::atLeast, Duration.ofMillis(500)).execute()
                .isHealthy());
        var unhealthy = new ClockSkewHealthCheck(new JdbcClockSkew(endpoint(), ahead)::atLeast, Duration.ofMillis(500)).execute();
        assertFalse(unhealthy.isHealthy());
        assertTrue(unhealthy.getMessage().contains("synchronize the clocks"), unhealthy.getMessage());
    }

    /**
     * Counted from the ledger's rows: every two-second tick from the first fire to the last has its
     * row (none lost), and the ticks that ran are exactly the fires performed, each once.
     */
    private void assertEachFireTimeOnce(ScheduleId id) throws SQLException {
        Map<Instant, String> rows = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(url, postgres.user(), postgres.password()); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT scheduled_at, state FROM shelter_schedule_fires WHERE schedule_id = '" + id.value() + "'")) {
            while (r.next()) {
                rows.put(r.getObject(1, OffsetDateTime.class).toInstant(), r.getString(2));
            }
        }
        List<Instant> performedTimes = performed.stream().map(Fire::scheduledAt).sorted().toList();
        assertEquals(performedTimes.size(), Set.copyOf(performedTimes).size(), "a fire time performed twice: " + performedTimes);
        List<Instant> ran = rows.entrySet().stream().filter(row -> row.getValue().equals(FireState.RAN.name())).map(Map.Entry::getKey).toList();
        Poll.until("the last fire's row to say RAN", BOUND, () -> ledgerRan(id).containsAll(performedTimes));
        assertTrue(Set.copyOf(performedTimes).containsAll(ran), "a fire the ledger says ran was not performed: " + ran);
        List<Instant> ticks = new ArrayList<>(rows.keySet());
        for (int i = 1; i < ticks.size(); i++) {
            assertEquals(Duration.ofSeconds(2), Duration.between(ticks.get(i - 1), ticks.get(i)), "a fire time without a row: " + rows);
        }
    }

    private Set<Instant> ledgerRan(ScheduleId id) {
        Set<Instant> ran = new HashSet<>();
        for (FireRecord fire : new JdbcFireLedger(endpoint()).recent(id, 10_000)) {
            if (fire.state() == FireState.RAN) {
                ran.add(fire.scheduledAt());
            }
        }
        return ran;
    }

    private QuartzSchedules replica(String name) {
        QuartzSchedules schedules = QuartzSchedules.start(new QuartzStore.ClusteredPostgres(url, postgres.user(), postgres.password(), 2_000),
                name, 2, Duration.ofMinutes(1), fire -> {
                    performed.add(fire);
                    return FireOutcome.ran("ran on " + fire.replica());
                }, new JdbcFireLedger(endpoint()), Clock.systemUTC());
        synchronized (running) {
            running.add(schedules);
        }
        return schedules;
    }

    private PostgresEndpoint endpoint() {
        return new PostgresEndpoint(url, postgres.user(), postgres.password());
    }
}
