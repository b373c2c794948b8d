package dev.shelter.service.wal;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;

/** The port through which the receiver streams a cluster's WAL: PostgreSQL's physical replication, in production. */
public interface WalStreamSource {

    /** What IDENTIFY_SYSTEM says on the current primary, the server's segment size, and which server that is. */
    record Identity(SystemIdentifier systemIdentifier, Timeline timeline, Lsn flushed, long segmentBytes, String server) {
    }

    /** Finds the cluster's current primary (after a failover, another server) and identifies it; the calls below go there. */
    Identity identify();

    /** Creates the permanent physical slot if it does not exist; returns where it retains WAL from (empty if unknown yet). */
    Optional<Lsn> ensureSlot(String slot);

    /** The bytes of {@code timeline}'s history file on the server, or empty if it has none. */
    Optional<byte[]> timelineHistory(Timeline timeline);

    /**
     * Starts streaming {@code timeline} at {@code from} through the slot. A timeline the server has
     * left is sent up to its switchpoint; its reader must not read past that.
     */
    WalStream start(String slot, Timeline timeline, Lsn from);

    /** An open stream. Not thread-safe: one receiver thread reads it and confirms. */
    interface WalStream extends AutoCloseable {

        /** WAL bytes that start at {@code start}. */
        record Chunk(Lsn start, ByteBuffer bytes) {
        }

        /** The next chunk, or empty if none came within {@code wait}. */
        Optional<Chunk> read(Duration wait);

        /** Tells the server that WAL up to {@code lsn} is durable: the slot may let it go. */
        void confirmDurable(Lsn lsn);

        @Override
        void close();
    }
}
