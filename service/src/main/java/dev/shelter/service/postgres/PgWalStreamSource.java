package dev.shelter.service.postgres;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.service.wal.WalStreamSource;
import org.postgresql.Driver;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.copy.CopyDual;
import org.postgresql.core.BaseConnection;
import org.postgresql.util.HostSpec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;

/**
 * Physical streaming replication over pgjdbc's COPY BOTH API, on a connection of its own. The
 * protocol messages are read and written here rather than through pgjdbc's replication stream,
 * which cannot name a timeline: after a failover, the tail of the old timeline is streamed from
 * the new primary with {@code START_REPLICATION ... TIMELINE n}. The endpoint may list several
 * hosts; the stream goes to whichever of them is the primary now.
 */
public final class PgWalStreamSource implements WalStreamSource {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Guards the few blocking calls on the stream's connection; reads themselves never block. */
    private static final Duration STREAM_SOCKET_TIMEOUT = Duration.ofSeconds(120);
    private static final String UNDEFINED_FILE = "58P01";

    private final PostgresEndpoint endpoint;
    private volatile HostSpec primary;

    public PgWalStreamSource(PostgresEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public Identity identify() {
        HostSpec host = locatePrimary();
        try (Connection replication = connectForReplication(host); Statement statement = replication.createStatement();
             ResultSet row = statement.executeQuery("IDENTIFY_SYSTEM")) {
            row.next();
            SystemIdentifier system = SystemIdentifier.parse(row.getString("systemid"));
            Timeline timeline = new Timeline(row.getLong("timeline"));
            Lsn flushed = Lsn.parse(row.getString("xlogpos"));
            primary = host;
            return new Identity(system, timeline, flushed, segmentBytes(host), host.toString());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot identify " + host + " over replication: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Lsn> ensureSlot(String slot) {
        try (Connection sql = connectTo(identified())) {
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
    public Optional<byte[]> timelineHistory(Timeline timeline) {
        try (Connection replication = connectForReplication(identified()); Statement statement = replication.createStatement();
             ResultSet row = statement.executeQuery("TIMELINE_HISTORY " + timeline.id())) {
            row.next();
            return Optional.of(row.getString("content").getBytes(StandardCharsets.UTF_8));
        } catch (SQLException e) {
            if (UNDEFINED_FILE.equals(e.getSQLState())) {
                return Optional.empty();
            }
            throw new IllegalStateException("cannot read the history of timeline " + timeline + ": " + e.getMessage(), e);
        }
    }

    @Override
    public WalStream start(String slot, Timeline timeline, Lsn from) {
        Connection replication = null;
        try {
            replication = connectForReplication(identified());
            replication.unwrap(BaseConnection.class).setNetworkTimeout(null, (int) STREAM_SOCKET_TIMEOUT.toMillis());
            // Slot names are [a-z0-9_] (PostgreSQL refuses others), so the command needs no quoting.
            CopyDual copy = replication.unwrap(PGConnection.class).getCopyAPI().copyDual(
                    "START_REPLICATION SLOT " + slot + " PHYSICAL " + from + " TIMELINE " + timeline.id());
            return new PgWalStream(replication, copy, from);
        } catch (SQLException e) {
            closeQuietly(replication);
            throw new IllegalStateException("cannot start streaming timeline " + timeline + " from " + from + " through slot " + slot
                    + ": " + e.getMessage(), e);
        }
    }

    /** Asks the endpoint's hosts which is the primary (pgjdbc's targetServerType), and returns that host. */
    private HostSpec locatePrimary() {
        try (Connection sql = DriverManager.getConnection(endpoint.jdbcUrl(), sqlProperties());
             Statement statement = sql.createStatement(); ResultSet row = statement.executeQuery("SELECT pg_is_in_recovery()")) {
            row.next();
            HostSpec host = sql.unwrap(BaseConnection.class).getQueryExecutor().getHostSpec();
            if (row.getBoolean(1)) {
                throw new IllegalStateException(host + " is a standby; Shelter streams WAL from the primary "
                        + "(list every server of the cluster in the jdbc url to follow a failover)");
            }
            return host;
        } catch (SQLException e) {
            throw new IllegalStateException("no primary answered at " + endpoint.jdbcUrl() + ": " + e.getMessage(), e);
        }
    }

    private HostSpec identified() {
        HostSpec host = primary;
        if (host == null) {
            throw new IllegalStateException("identify() first: no primary located yet");
        }
        return host;
    }

    private long segmentBytes(HostSpec host) {
        try (Connection sql = connectTo(host); Statement statement = sql.createStatement();
             ResultSet row = statement.executeQuery("SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'")) {
            row.next();
            return row.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read wal_segment_size on " + host + ": " + e.getMessage(), e);
        }
    }

    private Properties sqlProperties() {
        Properties properties = JdbcServerInspector.connectionProperties(endpoint, CONNECT_TIMEOUT);
        PGProperty.APPLICATION_NAME.set(properties, "shelter-wal-receiver"); // how pg_stat_replication names the receiver
        return properties;
    }

    /** A connection to {@code host} alone, with the endpoint's database and URL settings. */
    private Connection connectTo(HostSpec host) throws SQLException {
        return connectTo(host, sqlProperties());
    }

    private Connection connectForReplication(HostSpec host) throws SQLException {
        Properties properties = sqlProperties();
        // A stream is read without blocking and may idle for long between messages: no socket timeout.
        properties.remove(PGProperty.SOCKET_TIMEOUT.getName());
        PGProperty.REPLICATION.set(properties, "true");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "9.4");
        PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
        return connectTo(host, properties);
    }

    private Connection connectTo(HostSpec host, Properties settings) throws SQLException {
        Properties fromUrl = Driver.parseURL(endpoint.jdbcUrl(), new Properties());
        if (fromUrl == null) {
            throw new SQLException("cannot parse " + endpoint.jdbcUrl());
        }
        Properties properties = new Properties();
        properties.putAll(fromUrl);
        properties.putAll(settings);
        String database = PGProperty.PG_DBNAME.getOrDefault(fromUrl);
        for (PGProperty placement : new PGProperty[] {PGProperty.PG_HOST, PGProperty.PG_PORT, PGProperty.PG_DBNAME,
                PGProperty.TARGET_SERVER_TYPE}) {
            properties.remove(placement.getName());
        }
        String address = host.getHost().contains(":") ? "[" + host.getHost() + "]" : host.getHost();
        return DriverManager.getConnection("jdbc:postgresql://" + address + ":" + host.getPort() + "/"
                + (database == null ? "" : database), properties);
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

    /**
     * The streaming protocol's messages: XLogData ('w') and keepalives ('k') in, standby status
     * updates ('r') out, at least every second and whenever the server asks.
     */
    private static final class PgWalStream implements WalStream {

        private static final long IDLE_SLEEP_MILLIS = 10;
        private static final long STATUS_INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();
        /** PostgreSQL's epoch, 2000-01-01, in Unix seconds. */
        private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L;

        private final Connection connection;
        private final CopyDual copy;
        private long received;
        private long durable;
        private long lastStatus = System.nanoTime();

        PgWalStream(Connection connection, CopyDual copy, Lsn from) {
            this.connection = connection;
            this.copy = copy;
            // Everything before the start is in the store: a lower flush position would move the slot back.
            this.durable = from.value();
            this.received = from.value();
        }

        @Override
        public Optional<Chunk> read(Duration wait) {
            long deadline = System.nanoTime() + wait.toNanos();
            try {
                while (true) {
                    if (System.nanoTime() - lastStatus >= STATUS_INTERVAL_NANOS) {
                        sendStatus(false);
                    }
                    byte[] message = copy.readFromCopy(false);
                    if (message != null) {
                        ByteBuffer buffer = ByteBuffer.wrap(message);
                        byte kind = buffer.get();
                        if (kind == 'w') {
                            long start = buffer.getLong();
                            buffer.getLong(); // the server's end of WAL
                            buffer.getLong(); // its clock
                            ByteBuffer bytes = buffer.slice();
                            received = start + bytes.remaining();
                            return Optional.of(new Chunk(new Lsn(start), bytes));
                        }
                        if (kind == 'k') {
                            buffer.getLong();
                            buffer.getLong();
                            if (buffer.get() != 0) {
                                sendStatus(false);
                            }
                            continue;
                        }
                        throw new IllegalStateException("the replication stream sent a message of unknown type " + (char) kind);
                    }
                    if (!copy.isActive()) {
                        throw new IllegalStateException("the server ended the replication stream");
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
            durable = lsn.value();
            try {
                sendStatus(false);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot confirm " + lsn + " to the server: " + e.getMessage(), e);
            }
        }

        /** Written up to what arrived; flushed and applied only as far as the store holds it, which moves the slot. */
        private void sendStatus(boolean replyRequested) throws SQLException {
            Instant now = Instant.now();
            long micros = (now.getEpochSecond() - POSTGRES_EPOCH_SECONDS) * 1_000_000L + now.getNano() / 1_000;
            ByteBuffer status = ByteBuffer.allocate(34).put((byte) 'r').putLong(Math.max(received, durable)).putLong(durable)
                    .putLong(durable).putLong(micros).put((byte) (replyRequested ? 1 : 0));
            copy.writeToCopy(status.array(), 0, status.capacity());
            copy.flushCopy();
            lastStatus = System.nanoTime();
        }

        @Override
        public void close() {
            // Closing the connection ends the stream at once; ending the copy politely would wait for
            // the server, which, after a timeline's last byte, waits for a command of its own.
            closeQuietly(connection);
        }
    }
}
