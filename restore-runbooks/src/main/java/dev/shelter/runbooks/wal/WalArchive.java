package dev.shelter.runbooks.wal;

import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.failure.ConflictException;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where a cluster's WAL is archived, as archive_command and restore_command see it: what the archive
 * endpoint stores, what a backup waits for, what restore_command reads. Adapters: Shelter's own
 * layout (keyed by system, incarnation and timeline, compressed and checksummed) and plain files
 * as a {@code cp} archive_command leaves them. Every adapter passes {@code WalArchiveContract}.
 * <p>
 * What only some layouts can do is a port of its own, which an adapter declares through
 * {@link #streaming()}, {@link #inspection()} and {@link #pruning()} and never fakes: a caller that needs it asks, and
 * says what is missing when the answer is empty.
 */
public interface WalArchive {

    enum Stored { NEW, ALREADY_PRESENT }

    /**
     * Stores the file. The same bytes again are {@link Stored#ALREADY_PRESENT}; other bytes under a
     * name already archived are a {@link ConflictException}: a WAL file is never overwritten.
     * {@code systemIdentifier} is asked only if the archive must learn which server it belongs to.
     */
    Stored store(WalFileName name, byte[] content, Supplier<SystemIdentifier> systemIdentifier);

    /** The file's bytes as archived (checked against their checksum where the layout keeps one). */
    Optional<byte[]> fetch(WalFileName name);

    /** Whether the file is durably archived. */
    boolean contains(WalFileName name);

    /**
     * Whether the WAL segment is archived whole, {@code segmentBytes} long as PostgreSQL wrote it.
     * What a backup waits for. Where a file appears only once complete this is {@link #contains}; a
     * layout that another program (a {@code cp} archive_command) fills in place must not count a
     * file still being written.
     */
    default boolean containsSegment(WalFileName segment, long segmentBytes) {
        return contains(segment);
    }

    String describe();

    /** This archive as a streaming receiver writes into it; empty where the layout cannot keep a segment in pieces. */
    Optional<WalStreamArchive> streaming();

    /** This archive's continuity and incarnations; empty where the layout does not record them. */
    Optional<WalArchiveInspection> inspection();

    /** Removal of WAL no kept backup needs; empty where the layout cannot tell whose WAL a file is. */
    default Optional<WalPruning> pruning() {
        return Optional.empty();
    }
}
