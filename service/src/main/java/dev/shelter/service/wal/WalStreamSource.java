package dev.shelter.service.wal;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;

/** The port through which the receiver streams a cluster's WAL: PostgreSQL's physical replication, in production. */
public interface WalStreamSource {

    /** What IDENTIFY_SYSTEM says, and the server's segment size. */
    record Identity(String systemIdentifier, Timeline timeline, Lsn flushed, long segmentBytes) {
    }

    Identity identify();

    /** Creates the permanent physical slot if it does not exist; returns where it retains WAL from (empty if unknown yet). */
    Optional<Lsn> ensureSlot(String slot);

    /** Starts streaming at {@code from} on the server's current timeline, through the slot. */
    WalStream start(String slot, Lsn from);

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
