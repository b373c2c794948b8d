package dev.shelter.service.postgres;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.service.wal.WalStreamSource;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** Physical streaming replication through pgjdbc's replication API, on a connection of its own. */
public final class PgWalStreamSource implements WalStreamSource {

    private static final int STATUS_INTERVAL_SECONDS = 1;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final PostgresEndpoint endpoint;

    public PgWalStreamSource(PostgresEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public Identity identify() {
        try (Connection replication = connect(true); Statement statement = replication.createStatement();
             ResultSet row = statement.executeQuery("IDENTIFY_SYSTEM")) {
            row.next();
            String system = row.getString("systemid");
            Timeline timeline = new Timeline(row.getLong("timeline"));
            Lsn flushed = Lsn.parse(row.getString("xlogpos"));
            return new Identity(system, timeline, flushed, segmentBytes());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot identify " + endpoint.jdbcUrl() + " over replication: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Lsn> ensureSlot(String slot) {
        try (Connection sql = connect(false)) {
            try (PreparedStatement create = sql.prepareStatement("SELECT pg_create_physical_replication_slot(?, true) "
                    + "WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ?)")) {
                create.setString(1, slot);
                create.setString(2, slot);
                create.execute();
            }
            try (PreparedStatement restart = sql.prepareStatement(
                    "SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = ? AND slot_type = 'physical'")) {
                restart.setString(1, slot);
                try (ResultSet row = restart.executeQuery()) {
                    if (!row.next()) {
                        throw new IllegalStateException("a slot named " + slot + " exists but is not a physical slot");
                    }
                    return Optional.ofNullable(row.getString(1)).map(Lsn::parse);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create or read slot " + slot + ": " + e.getMessage(), e);
        }
    }

    @Override
    public WalStream start(String slot, Lsn from) {
        Connection replication = null;
        try {
            replication = connect(true);
            PGReplicationStream stream = replication.unwrap(PGConnection.class).getReplicationAPI().replicationStream().physical()
                    .withSlotName(slot).withStartPosition(LogSequenceNumber.valueOf(from.value()))
                    .withStatusInterval(STATUS_INTERVAL_SECONDS, TimeUnit.SECONDS)
                    .withAutomaticFlush(false) // the slot may advance only once the store holds the bytes
                    .start();
            return new PgWalStream(replication, stream);
        } catch (SQLException e) {
            closeQuietly(replication);
            throw new IllegalStateException("cannot start streaming from " + from + " through slot " + slot + ": " + e.getMessage(), e);
        }
    }

    private long segmentBytes() {
        try (Connection sql = connect(false); Statement statement = sql.createStatement();
             ResultSet row = statement.executeQuery("SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'")) {
            row.next();
            return row.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read wal_segment_size: " + e.getMessage(), e);
        }
    }

    private Connection connect(boolean replication) throws SQLException {
        Properties properties = JdbcServerInspector.connectionProperties(endpoint, CONNECT_TIMEOUT);
        PGProperty.APPLICATION_NAME.set(properties, "shelter-wal-receiver"); // how pg_stat_replication names the receiver
        if (replication) {
            // A stream is read without blocking and may idle for long between messages: no socket timeout.
            properties.remove(PGProperty.SOCKET_TIMEOUT.getName());
            PGProperty.REPLICATION.set(properties, "true");
            PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "9.4");
            PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
        }
        return DriverManager.getConnection(endpoint.jdbcUrl(), properties);
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing after a failure
            }
        }
    }

    private static final class PgWalStream implements WalStream {

        private static final long IDLE_SLEEP_MILLIS = 10;

        private final Connection connection;
        private final PGReplicationStream stream;

        PgWalStream(Connection connection, PGReplicationStream stream) {
            this.connection = connection;
            this.stream = stream;
        }

        @Override
        public Optional<Chunk> read(Duration wait) {
            long deadline = System.nanoTime() + wait.toNanos();
            try {
                while (true) {
                    ByteBuffer message = stream.readPending();
                    if (message != null) {
                        ByteBuffer bytes = ByteBuffer.allocate(message.remaining()).put(message).flip();
                        // For physical streams pgjdbc reports where the message ends, not where it starts.
                        long start = stream.getLastReceiveLSN().asLong() - bytes.remaining();
                        return Optional.of(new Chunk(new Lsn(start), bytes));
                    }
                    if (System.nanoTime() > deadline) {
                        return Optional.empty();
                    }
                    Thread.sleep(IDLE_SLEEP_MILLIS);
                }
            } catch (SQLException e) {
                throw new IllegalStateException("the replication stream broke: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        @Override
        public void confirmDurable(Lsn lsn) {
            try {
                stream.setFlushedLSN(LogSequenceNumber.valueOf(lsn.value()));
                stream.setAppliedLSN(LogSequenceNumber.valueOf(lsn.value()));
                stream.forceUpdateStatus();
            } catch (SQLException e) {
                throw new IllegalStateException("cannot confirm " + lsn + " to the server: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try {
                stream.close();
            } catch (SQLException ignored) {
                // the connection goes anyway
            } finally {
                closeQuietly(connection);
            }
        }
    }
}
