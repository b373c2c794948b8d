package dev.shelter.service.wal;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.catalog.InMemoryLeases;
import dev.shelter.runbooks.catalog.Lease;
import dev.shelter.runbooks.catalog.Leases;
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
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which replica runs the receiver, over leases on a clock the test moves: the holder streams, the
 * others stand by; the lease passes when its holder stops renewing, and the old holder stops its
 * receiver when it finds the lease gone, or when it cannot renew for most of the term. The
 * receivers are real ones on a server that never answers (pure logic: the hand-over on real
 * PostgreSQL is TwoReplicaReceiverIT's).
 */
class LeasedWalReceiverTest {

    private static final Duration TERM = Duration.ofSeconds(10);

    @TempDir
    Path root;
    private FsBlobStore store;
    private final MovableClock clock = new MovableClock();
    private final AtomicLong nanos = new AtomicLong();
    private final FlakyLeases leases = new FlakyLeases(new InMemoryLeases(clock));
    private final List<WalReceiver> started = new ArrayList<>();
    private final List<LeasedWalReceiver> replicas = new ArrayList<>();

    @BeforeEach
    void openStore() {
        store = FsBlobStore.open(new FsBlobStoreConfig(root));
    }

    @AfterEach
    void stopAll() {
        leases.failing.set(false);
        replicas.forEach(LeasedWalReceiver::relinquish);
        store.close();
    }

    @Test
    void theHolderStreamsAndTheOthersStandByNamingIt() {
        LeasedWalReceiver a = replica("replica-a");
        LeasedWalReceiver b = replica("replica-b");
        assertEquals(WalReceiver.State.STANDBY, a.status().state(), "nothing streams before the first tick");
        a.tick();
        b.tick();
        assertNotEquals(WalReceiver.State.STANDBY, a.status().state(), a.status().toString());
        assertEquals(WalReceiver.State.STANDBY, b.status().state());
        assertEquals(Optional.of("replica-a"), b.lease().map(Lease::holder), "the standby knows who streams");
        assertEquals(1, started.size(), "one receiver across both replicas");
        a.tick();
        assertEquals(1, started.size(), "a renewal keeps the receiver it has");
    }

    @Test
    void aHolderThatStopsRenewingLosesTheLeaseAndStopsWhenItFindsOut() {
        LeasedWalReceiver a = replica("replica-a");
        LeasedWalReceiver b = replica("replica-b");
        a.tick();
        WalReceiver first = started.get(0);
        clock.advance(TERM.minusMillis(1));
        b.tick();
        assertEquals(WalReceiver.State.STANDBY, b.status().state(), "not before the term has run out");
        clock.advance(Duration.ofMillis(1));
        b.tick();
        assertNotEquals(WalReceiver.State.STANDBY, b.status().state(), "the lease expired: b takes over");
        assertEquals(2, started.size(), "b streams with a fresh receiver of its own");

        a.tick();
        assertEquals(WalReceiver.State.STANDBY, a.status().state(), "a found b holding the lease");
        assertEquals(WalReceiver.State.STOPPED, first.status().state(), "a's receiver ended");
        assertEquals(Optional.of("replica-b"), a.lease().map(Lease::holder));
    }

    @Test
    void aHolderThatCannotRenewStopsBeforeItsLeaseCanPassToAnother() {
        LeasedWalReceiver a = replica("replica-a");
        a.tick();
        WalReceiver receiver = started.get(0);
        leases.failing.set(true);
        nanos.addAndGet(TERM.toNanos() * 4 / 5 - 1);
        a.tick();
        assertNotEquals(WalReceiver.State.STANDBY, a.status().state(), "a renewal missed within the margin changes nothing");
        nanos.addAndGet(1);
        a.tick();
        assertEquals(WalReceiver.State.STANDBY, a.status().state(), "four fifths of the term without a renewal: it stops");
        assertEquals(WalReceiver.State.STOPPED, receiver.status().state());
        assertTrue(a.status().lastError().contains("cannot reach the lease store"), a.status().toString());

        leases.failing.set(false);
        a.tick();
        assertNotEquals(WalReceiver.State.STANDBY, a.status().state(), "the store back, its lease still its own: it streams again");
        assertEquals(2, started.size());
    }

    @Test
    void aReplicaThatStopsGivesTheLeaseUpAndAnotherTakesItAtOnce() {
        LeasedWalReceiver a = replica("replica-a");
        LeasedWalReceiver b = replica("replica-b");
        a.tick();
        b.tick();
        a.relinquish();
        assertEquals(WalReceiver.State.STANDBY, a.status().state());
        assertEquals(WalReceiver.State.STOPPED, started.get(0).status().state());
        b.tick();
        assertNotEquals(WalReceiver.State.STANDBY, b.status().state(), "no wait for the term: the lease was given up");
    }

    private LeasedWalReceiver replica(String name) {
        LeasedWalReceiver replica = new LeasedWalReceiver("orders", "shelter_orders", name, leases, TERM, () -> {
            WalReceiver receiver = new WalReceiver("orders", "shelter_orders", new SilentServer(),
                    new ShelterWalArchive(store, "wal/", Clock.systemUTC()), Duration.ofMillis(50), 2, new java.util.concurrent.Semaphore(4), Clock.systemUTC());
            started.add(receiver);
            return receiver;
        }, nanos::get);
        replicas.add(replica);
        return replica;
    }

    private static final class MovableClock extends Clock {
        private Instant now = Instant.parse("2026-11-30T12:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    /** Leases whose store can be made unreachable. */
    private static final class FlakyLeases implements Leases {
        private final Leases inner;
        private final AtomicBoolean failing = new AtomicBoolean();

        FlakyLeases(Leases inner) {
            this.inner = inner;
        }

        @Override
        public Lease acquireOrRenew(String name, String replica, Duration ttl) {
            if (failing.get()) {
                throw new IllegalStateException("catalog database did not answer");
            }
            return inner.acquireOrRenew(name, replica, ttl);
        }

        @Override
        public void release(String name, String replica) {
            inner.release(name, replica);
        }

        @Override
        public Optional<Lease> read(String name) {
            return inner.read(name);
        }
    }

    /** A server that never answers: the receiver retries, which is all these tests need of it. */
    private static final class SilentServer implements WalStreamSource {
        @Override
        public Identity identify() {
            throw new IllegalStateException("no server in this test");
        }

        @Override
        public Optional<Lsn> ensureSlot(String slot) {
            throw new IllegalStateException("no server in this test");
        }

        @Override
        public Optional<byte[]> timelineHistory(Timeline timeline) {
            return Optional.empty();
        }

        @Override
        public WalStream start(String slot, Timeline timeline, Lsn from) {
            throw new IllegalStateException("no server in this test");
        }
    }
}
