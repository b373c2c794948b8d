package dev.shelter.service.wal;

import com.codahale.metrics.health.HealthCheck;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.service.health.WalHealthCheck;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The health check wal-&lt;cluster&gt; on samples the server could give: healthy within
 * {@code maxRpoSeconds} and {@code maxSlotRetainedBytes}, unhealthy one step past either, and
 * unhealthy whenever it cannot know (no sample, no receiver on the slot, a receiver that does
 * not stream, a server that does not answer). The receiver is real, on an idle scripted stream
 * (pure logic: the real server is WalReceiverIT's); the server's answers are the samples.
 */
class WalMonitorThresholdsTest {

    private static final long SEGMENT = 1L << 20;
    private static final long BASE = 3 * SEGMENT;
    private static final Duration MAX_RPO = Duration.ofSeconds(60);
    private static final long MAX_RETAINED = 64L << 20;

    @TempDir
    Path root;
    private FsBlobStore store;
    private WalReceiver receiver;
    private Thread receiving;
    private final AtomicReference<ReplicationProbe.Sample> server = new AtomicReference<>();
    private final AtomicReference<RuntimeException> serverFailure = new AtomicReference<>();
    private Lsn durable;

    @BeforeEach
    void startAStreamingReceiver() throws InterruptedException {
        store = FsBlobStore.open(new FsBlobStoreConfig(root));
        receiver = new WalReceiver("main", "shelter_main", new IdleServer(),
                new ShelterWalArchive(store, "wal/", Clock.systemUTC()), Duration.ofMillis(50), 2, new java.util.concurrent.Semaphore(4), Clock.systemUTC());
        receiving = new Thread(receiver, "wal-receiver-test");
        receiving.start();
        Instant deadline = Instant.now().plusSeconds(30);
        while (receiver.status().state() != WalReceiver.State.STREAMING) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the receiver did not stream: " + receiver.status());
            }
            Thread.sleep(10);
        }
        durable = receiver.status().durable();
        assertEquals(new Lsn(BASE), durable, receiver.status().toString());
    }

    @AfterEach
    void stopTheReceiver() throws InterruptedException {
        receiver.stop();
        receiving.join(10_000);
        store.close();
    }

    @Test
    void withinBothBoundsItIsHealthy() {
        HealthCheck.Result result = check(monitor(Clock.systemUTC()), streaming(16L << 20, Optional.of(Duration.ofSeconds(60)), MAX_RETAINED));
        assertTrue(result.isHealthy(), result.getMessage());
        assertEquals("RPO 60.0 s, 16777216 bytes behind, slot holds " + MAX_RETAINED + " bytes", result.getMessage());
    }

    @Test
    void anRpoPastMaxRpoSecondsIsUnhealthy() {
        HealthCheck.Result result = check(monitor(Clock.systemUTC()), streaming(16L << 20, Optional.of(Duration.ofSeconds(61)), 0));
        assertFalse(result.isHealthy(), result.getMessage());
        assertEquals("RPO is 61 s, over the bound of 60 s", result.getMessage());
    }

    @Test
    void withoutAFlushLagTheRpoIsTheTimeSinceTheDurablePositionMoved() {
        // The server reports no flush_lag while WAL waits: the time since the receiver last made WAL durable bounds the loss.
        WalMonitor soon = monitor(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(10)));
        HealthCheck.Result fresh = check(soon, streaming(4096, Optional.empty(), 0));
        assertTrue(fresh.isHealthy(), fresh.getMessage());

        WalMonitor later = monitor(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(120)));
        HealthCheck.Result stale = check(later, streaming(4096, Optional.empty(), 0));
        assertFalse(stale.isHealthy(), stale.getMessage());
        assertTrue(stale.getMessage().matches("RPO is 1[12]\\d s, over the bound of 60 s"), stale.getMessage());
    }

    @Test
    void nothingToLoseIsAnRpoOfZeroWhateverTheClockSays() {
        WalMonitor monitor = monitor(Clock.offset(Clock.systemUTC(), Duration.ofHours(1)));
        HealthCheck.Result result = check(monitor, streaming(0, Optional.empty(), 0));
        assertTrue(result.isHealthy(), result.getMessage());
        assertEquals(0.0, monitor.last().orElseThrow().rpoSeconds());
    }

    @Test
    void aSlotHoldingMoreThanMaxSlotRetainedBytesIsUnhealthy() {
        HealthCheck.Result result = check(monitor(Clock.systemUTC()), streaming(0, Optional.empty(), MAX_RETAINED + 1));
        assertFalse(result.isHealthy(), result.getMessage());
        assertEquals("slot shelter_main holds " + (MAX_RETAINED + 1) + " bytes of WAL, over the bound of " + MAX_RETAINED,
                result.getMessage());
    }

    @Test
    void aSlotWithoutItsReceiverIsUnhealthy() {
        server.set(new ReplicationProbe.Sample(durable, Optional.of(durable), false, Optional.of(durable), Optional.empty()));
        WalMonitor monitor = monitor(Clock.systemUTC());
        monitor.sample();
        HealthCheck.Result result = new WalHealthCheck(monitor).execute();
        assertFalse(result.isHealthy(), result.getMessage());
        assertEquals("slot shelter_main has no receiver attached", result.getMessage());
    }

    @Test
    void aServerThatDoesNotAnswerIsUnhealthy() {
        serverFailure.set(new IllegalStateException("connection refused"));
        WalMonitor monitor = monitor(Clock.systemUTC());
        monitor.sample();
        HealthCheck.Result result = new WalHealthCheck(monitor).execute();
        assertFalse(result.isHealthy(), result.getMessage());
        assertEquals("cannot ask the server how far the archive trails: connection refused", result.getMessage());
    }

    @Test
    void beforeTheFirstSampleAndAfterTheReceiverStopsItIsUnhealthy() throws InterruptedException {
        WalMonitor monitor = monitor(Clock.systemUTC());
        HealthCheck.Result unsampled = new WalHealthCheck(monitor).execute();
        assertFalse(unsampled.isHealthy());
        assertEquals("the WAL of main has not been sampled yet", unsampled.getMessage());

        receiver.stop();
        receiving.join(10_000);
        HealthCheck.Result stopped = check(monitor, streaming(0, Optional.empty(), 0));
        assertFalse(stopped.isHealthy(), stopped.getMessage());
        assertEquals("the WAL receiver is stopped", stopped.getMessage());
    }

    /** The server's answer while the receiver streams: {@code behind} bytes past the durable position. */
    private ReplicationProbe.Sample streaming(long behind, Optional<Duration> flushLag, long retained) {
        Lsn position = new Lsn(durable.value() + behind);
        return new ReplicationProbe.Sample(position, Optional.of(new Lsn(position.value() - retained)), true, Optional.of(durable),
                flushLag);
    }

    private HealthCheck.Result check(WalMonitor monitor, ReplicationProbe.Sample answer) {
        server.set(answer);
        monitor.sample();
        return new WalHealthCheck(monitor).execute();
    }

    private WalMonitor monitor(Clock clock) {
        ReplicationProbe probe = slot -> {
            assertEquals("shelter_main", slot);
            if (serverFailure.get() != null) {
                throw serverFailure.get();
            }
            return server.get();
        };
        return new WalMonitor("main", "shelter_main", receiver::status, probe, MAX_RPO, MAX_RETAINED, clock);
    }

    /** A primary at BASE on timeline 1 that sends nothing: the receiver streams and stays idle. */
    private static final class IdleServer implements WalStreamSource {

        @Override
        public Identity identify() {
            return new Identity(SystemIdentifier.parse("7311744470813461234"), new Timeline(1), new Lsn(BASE), SEGMENT, "idle");
        }

        @Override
        public Optional<Lsn> ensureSlot(String slot) {
            return Optional.of(new Lsn(BASE));
        }

        @Override
        public Optional<byte[]> timelineHistory(Timeline timeline) {
            return Optional.empty();
        }

        @Override
        public WalStream start(String slot, Timeline timeline, Lsn from) {
            return new WalStream() {
                @Override
                public Optional<Chunk> read(Duration wait) {
                    try {
                        Thread.sleep(Math.min(wait.toMillis(), 20));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Optional.empty();
                }

                @Override
                public void confirmDurable(Lsn lsn) {
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
