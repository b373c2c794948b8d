package dev.shelter.service.postgres;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.BackupIndex;
import dev.shelter.runbooks.catalog.ManifestCodec;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.failure.ClusterUnreachableException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The catalog index in a PostgreSQL database of its own: one row per backup, holding the whole
 * manifest (as the store's JSON) for lookups. The table is made on first use.
 */
public final class JdbcBackupIndex implements BackupIndex {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String TABLE = "shelter_backup_index";

    private final PostgresEndpoint endpoint;
    private final ManifestCodec codec;

    public JdbcBackupIndex(PostgresEndpoint endpoint, ManifestCodec codec) {
        this.endpoint = endpoint;
        this.codec = codec;
        try (Connection connection = connect()) {
            CatalogTables.createIfAbsent(connection, "CREATE TABLE IF NOT EXISTS " + TABLE + " (id text PRIMARY KEY, cluster text NOT NULL, "
                    + "state text NOT NULL, manifest bytea NOT NULL)",
                    "CREATE INDEX IF NOT EXISTS " + TABLE + "_cluster ON " + TABLE + " (cluster, id DESC)");
        } catch (SQLException e) {
            throw unreachable(e);
        }
    }

    private static final String UPSERT = "INSERT INTO " + TABLE + " (id, cluster, state, manifest) VALUES (?, ?, ?, ?) "
            + "ON CONFLICT (id) DO UPDATE SET cluster = excluded.cluster, state = excluded.state, manifest = excluded.manifest";

    @Override
    public void upsert(BackupManifest manifest) {
        update(UPSERT, manifest.id().value(), manifest.cluster().value(), manifest.state().name(), codec.encode(manifest));
    }

    @Override
    public Optional<BackupManifest> find(BackupId id) {
        return query("SELECT manifest FROM " + TABLE + " WHERE id = ?", id.value()).stream().findFirst();
    }

    @Override
    public Page list(ClusterName cluster, Optional<BackupState> state, int offset, int limit) {
        String filter = " WHERE cluster = ?" + (state.isPresent() ? " AND state = ?" : "");
        Object[] parameters = state.isPresent() ? new Object[] {cluster.value(), state.get().name()} : new Object[] {cluster.value()};
        List<BackupManifest> items = query("SELECT manifest FROM " + TABLE + filter + " ORDER BY id DESC OFFSET " + offset
                + " LIMIT " + limit, parameters);
        int total;
        try (Connection connection = connect(); PreparedStatement statement = connection.prepareStatement(
                "SELECT count(*) FROM " + TABLE + filter)) {
            bind(statement, parameters);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                total = row.getInt(1);
            }
        } catch (SQLException e) {
            throw unreachable(e);
        }
        return new Page(items, total);
    }

    @Override
    public List<BackupManifest> inState(BackupState state) {
        return query("SELECT manifest FROM " + TABLE + " WHERE state = ? ORDER BY id DESC", state.name());
    }

    @Override
    public boolean isEmpty() {
        return query("SELECT manifest FROM " + TABLE + " LIMIT 1").isEmpty();
    }

    /** One transaction: readers see the old index or the new one, and a crash leaves the old one. */
    @Override
    public void replaceAll(List<BackupManifest> manifests) {
        try (Connection connection = connect()) {
            connection.setAutoCommit(false);
            try (Statement delete = connection.createStatement(); PreparedStatement insert = connection.prepareStatement(UPSERT)) {
                delete.execute("DELETE FROM " + TABLE);
                for (BackupManifest manifest : manifests) {
                    bind(insert, manifest.id().value(), manifest.cluster().value(), manifest.state().name(), codec.encode(manifest));
                    insert.addBatch();
                }
                insert.executeBatch();
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw unreachable(e);
        }
    }

    private List<BackupManifest> query(String sql, Object... parameters) {
        try (Connection connection = connect(); PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, parameters);
            List<BackupManifest> manifests = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    manifests.add(codec.decode(rows.getBytes(1)));
                }
            }
            return manifests;
        } catch (SQLException e) {
            throw unreachable(e);
        }
    }

    private void update(String sql, Object... parameters) {
        try (Connection connection = connect(); PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, parameters);
            statement.executeUpdate();
        } catch (SQLException e) {
            throw unreachable(e);
        }
    }

    private static void bind(PreparedStatement statement, Object... parameters) throws SQLException {
        for (int i = 0; i < parameters.length; i++) {
            statement.setObject(i + 1, parameters[i]);
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(endpoint.jdbcUrl(), JdbcServerInspector.connectionProperties(endpoint, TIMEOUT));
    }

    private ClusterUnreachableException unreachable(SQLException e) {
        return new ClusterUnreachableException("catalog database at " + endpoint.jdbcUrl() + " did not answer: " + e.getMessage(), e);
    }
}
