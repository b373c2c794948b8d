package dev.shelter.runbooks.postgres;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * What {@code global/pg_control} says, read in pure Java: the one pg_control reader of Shelter.
 * It runs wherever the file's bytes are (in-process on a local PGDATA, or on the output of a
 * Kubernetes volume job) and needs no PostgreSQL binaries.
 *
 * <p>The layout is PostgreSQL's {@code ControlFileData} (src/include/catalog/pg_control.h) as the
 * server writes it on 64-bit Linux: native byte order, 8-byte alignment for 64-bit fields.
 * PostgreSQL 13 to 16 write format 1300; 17 writes 1700, which adds {@code wal_level} to the
 * checkpoint copy in what was padding, so every field read here sits at the same offset in both.
 * Both byte orders are accepted (the version field tells which one the server used); any other
 * format is refused rather than guessed. The CRC-32C over everything before the {@code crc} field
 * must match, as PostgreSQL itself requires before it trusts the file.
 *
 * @param systemIdentifier the database system identifier: unsigned 64-bit, see {@link #systemIdentifierText()}
 * @param state            the cluster state ("shut down", "in production"…)
 * @param modified         when pg_control was last written
 * @param checkpoint       the latest checkpoint record's location
 * @param redo             where replay from that checkpoint starts
 * @param timeline         the latest checkpoint's timeline
 * @param walLevel         the server's wal_level when pg_control was last written
 * @param walSegmentBytes  the WAL segment size
 * @param dataChecksumVersion zero when data pages carry no checksums
 * @param standbySettings  the settings a server replaying this cluster's WAL needs at least as high
 */
public record ControlFile(long systemIdentifier, int controlVersion, int catalogVersion, State state, Instant modified,
                          Lsn checkpoint, Lsn redo, Timeline timeline, Timeline previousTimeline, boolean fullPageWrites,
                          Lsn minRecoveryPoint, Lsn backupStartPoint, Lsn backupEndPoint, boolean backupEndRequired,
                          WalLevel walLevel, int blockBytes, int walSegmentBytes, int dataChecksumVersion,
                          StandbySettings standbySettings) {

    /**
     * The settings pg_control records because a server in recovery needs each at least as high as
     * the server that wrote the WAL: lower, and PostgreSQL pauses recovery ("insufficient parameter
     * settings") or refuses to start.
     */
    public record StandbySettings(int maxConnections, int maxWorkerProcesses, int maxWalSenders, int maxPreparedTransactions,
                                  int maxLocksPerTransaction) {

        /** Their names in postgresql.conf, in pg_controldata's order. */
        public static final java.util.List<String> NAMES = java.util.List.of("max_connections", "max_worker_processes",
                "max_wal_senders", "max_prepared_transactions", "max_locks_per_transaction");

        /** By {@link #NAMES}, in that order. */
        public java.util.Map<String, Integer> byName() {
            int[] values = {maxConnections, maxWorkerProcesses, maxWalSenders, maxPreparedTransactions, maxLocksPerTransaction};
            java.util.Map<String, Integer> settings = new java.util.LinkedHashMap<>();
            for (int i = 0; i < values.length; i++) {
                settings.put(NAMES.get(i), values[i]);
            }
            return settings;
        }
    }

    /** Where PGDATA keeps it. */
    public static final String PATH = "global/pg_control";
    /** PostgreSQL writes the file at this size, zero-padded after the struct. */
    public static final int FILE_BYTES = 8192;
    /** pg_control_version of PostgreSQL 13 to 16. */
    public static final int VERSION_13 = 1300;
    /** pg_control_version of PostgreSQL 17. */
    public static final int VERSION_17 = 1700;

    // Offsets into ControlFileData, the same for format 1300 and 1700 (see the class comment).
    private static final int SYSTEM_IDENTIFIER = 0;
    private static final int CONTROL_VERSION = 8;
    private static final int CATALOG_VERSION = 12;
    private static final int STATE = 16;
    private static final int TIME = 24;
    private static final int CHECKPOINT = 32;
    private static final int CHECKPOINT_COPY = 40;
    private static final int REDO = CHECKPOINT_COPY;
    private static final int THIS_TIMELINE = CHECKPOINT_COPY + 8;
    private static final int PREVIOUS_TIMELINE = CHECKPOINT_COPY + 12;
    private static final int FULL_PAGE_WRITES = CHECKPOINT_COPY + 16;
    private static final int MIN_RECOVERY_POINT = 136;
    private static final int BACKUP_START_POINT = 152;
    private static final int BACKUP_END_POINT = 160;
    private static final int BACKUP_END_REQUIRED = 168;
    private static final int WAL_LEVEL = 172;
    private static final int MAX_CONNECTIONS = 180;
    private static final int MAX_WORKER_PROCESSES = 184;
    private static final int MAX_WAL_SENDERS = 188;
    private static final int MAX_PREPARED_XACTS = 192;
    private static final int MAX_LOCKS_PER_XACT = 196;
    private static final int FLOAT_FORMAT = 208;
    private static final int BLOCK_SIZE = 216;
    private static final int WAL_SEGMENT_SIZE = 228;
    private static final int DATA_CHECKSUM_VERSION = 252;
    private static final int CRC = 288;
    /** A constant the server stores to prove its floating-point format; a cheap second check of the layout. */
    private static final double FLOAT_FORMAT_VALUE = 1234567.0;

    /** DBState, in the order of its C enum; labels as pg_controldata prints them. */
    public enum State {
        STARTING_UP("starting up"),
        SHUT_DOWN("shut down"),
        SHUT_DOWN_IN_RECOVERY("shut down in recovery"),
        SHUTTING_DOWN("shutting down"),
        IN_CRASH_RECOVERY("in crash recovery"),
        IN_ARCHIVE_RECOVERY("in archive recovery"),
        IN_PRODUCTION("in production");

        private final String label;

        State(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** WalLevel, in the order of its C enum. */
    public enum WalLevel {
        MINIMAL, REPLICA, LOGICAL;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** pg_control cannot be trusted: too short, of a format this reader does not know, or its CRC does not match. */
    public static final class InvalidControlFileException extends RuntimeException {
        public InvalidControlFileException(String message) {
            super(message);
        }
    }

    public ControlFile {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(modified, "modified");
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(redo, "redo");
        Objects.requireNonNull(timeline, "timeline");
        Objects.requireNonNull(previousTimeline, "previousTimeline");
        Objects.requireNonNull(minRecoveryPoint, "minRecoveryPoint");
        Objects.requireNonNull(backupStartPoint, "backupStartPoint");
        Objects.requireNonNull(backupEndPoint, "backupEndPoint");
        Objects.requireNonNull(walLevel, "walLevel");
    }

    /** {@code pgdata}/global/pg_control. */
    public static ControlFile read(Path pgdata) {
        Path file = pgdata.resolve(PATH);
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in.readNBytes(FILE_BYTES), file.toString());
        } catch (NoSuchFileException e) {
            throw new InvalidControlFileException(file + " does not exist: " + pgdata + " is not a PostgreSQL data directory");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The file's bytes (at least the struct; the whole 8 KiB file is fine); {@code source} names them in failures. */
    public static ControlFile parse(byte[] bytes, String source) {
        if (bytes.length < CRC + Integer.BYTES) {
            throw new InvalidControlFileException(source + " holds " + bytes.length + " bytes, too few for pg_control ("
                    + (CRC + Integer.BYTES) + " at least)");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(byteOrderOf(bytes, source));
        int controlVersion = buffer.getInt(CONTROL_VERSION);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, CRC);
        long stored = Integer.toUnsignedLong(buffer.getInt(CRC));
        if (crc.getValue() != stored) {
            throw new InvalidControlFileException(source + " fails its CRC check (computed " + Long.toHexString(crc.getValue())
                    + ", stored " + Long.toHexString(stored) + "): the file is damaged or torn");
        }
        if (buffer.getDouble(FLOAT_FORMAT) != FLOAT_FORMAT_VALUE) {
            throw new InvalidControlFileException(source + " has a CRC that matches but not the layout this reader knows "
                    + "(floatFormat is " + buffer.getDouble(FLOAT_FORMAT) + "): not written by a 64-bit PostgreSQL 13 to 17");
        }
        int state = buffer.getInt(STATE);
        if (state < 0 || state >= State.values().length) {
            throw new InvalidControlFileException(source + " has an unknown cluster state " + state);
        }
        int walLevel = buffer.getInt(WAL_LEVEL);
        if (walLevel < 0 || walLevel >= WalLevel.values().length) {
            throw new InvalidControlFileException(source + " has an unknown wal_level " + walLevel);
        }
        return new ControlFile(buffer.getLong(SYSTEM_IDENTIFIER), controlVersion, buffer.getInt(CATALOG_VERSION),
                State.values()[state], Instant.ofEpochSecond(buffer.getLong(TIME)), new Lsn(buffer.getLong(CHECKPOINT)),
                new Lsn(buffer.getLong(REDO)), timeline(buffer, THIS_TIMELINE, source),
                timeline(buffer, PREVIOUS_TIMELINE, source), buffer.get(FULL_PAGE_WRITES) != 0,
                new Lsn(buffer.getLong(MIN_RECOVERY_POINT)), new Lsn(buffer.getLong(BACKUP_START_POINT)),
                new Lsn(buffer.getLong(BACKUP_END_POINT)), buffer.get(BACKUP_END_REQUIRED) != 0, WalLevel.values()[walLevel],
                buffer.getInt(BLOCK_SIZE), buffer.getInt(WAL_SEGMENT_SIZE), buffer.getInt(DATA_CHECKSUM_VERSION),
                new StandbySettings(buffer.getInt(MAX_CONNECTIONS), buffer.getInt(MAX_WORKER_PROCESSES), buffer.getInt(MAX_WAL_SENDERS),
                        buffer.getInt(MAX_PREPARED_XACTS), buffer.getInt(MAX_LOCKS_PER_XACT)));
    }

    /** As pg_controldata prints it: unsigned decimal. */
    public String systemIdentifierText() {
        return Long.toUnsignedString(systemIdentifier);
    }

    /** Stopped by a clean shutdown of a primary: the checkpoint is a shutdown checkpoint and no WAL is needed to start. */
    public boolean isCleanlyShutDown() {
        return state == State.SHUT_DOWN;
    }

    /** The PostgreSQL major versions that write this format. */
    public String serverVersions() {
        return controlVersion == VERSION_17 ? "17" : "13 to 16";
    }

    /** The server writes its native order; the version field, 1300 or 1700, reads right in exactly one of the two. */
    private static ByteOrder byteOrderOf(byte[] bytes, String source) {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            int version = ByteBuffer.wrap(bytes).order(order).getInt(CONTROL_VERSION);
            if (version == VERSION_13 || version == VERSION_17) {
                return order;
            }
        }
        int version = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(CONTROL_VERSION);
        throw new InvalidControlFileException(source + " has pg_control version " + version + " (read little-endian): only "
                + VERSION_13 + " (PostgreSQL 13 to 16) and " + VERSION_17 + " (PostgreSQL 17) are known");
    }

    private static Timeline timeline(ByteBuffer buffer, int offset, String source) {
        long id = Integer.toUnsignedLong(buffer.getInt(offset));
        if (id == 0) {
            throw new InvalidControlFileException(source + " names timeline 0 for its latest checkpoint");
        }
        return new Timeline(id);
    }
}
