package dev.shelter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL 15 cluster of a test's own, on 127.0.0.1 and a free port, archiving WAL with a plain
 * archive_command into {@code archiveDirectory}. Run as the postgres OS user when the test runs as
 * root (the server refuses root). {@link #close} stops it; the caller removes the directories.
 */
public final class PostgresInstance implements AutoCloseable {

    private final PostgresBinaries binaries;
    private final Path home;
    private final Path dataDirectory;
    private final Path archiveDirectory;
    private final int port;
    private final String password;

    private PostgresInstance(PostgresBinaries binaries, Path home, Path dataDirectory, Path archiveDirectory, int port,
            String password) {
        this.binaries = binaries;
        this.home = home;
        this.dataDirectory = dataDirectory;
        this.archiveDirectory = archiveDirectory;
        this.port = port;
        this.password = password;
    }

    /**
     * initdb into {@code home}/data, configured and not started, archiving into {@code home}/archive,
     * logging to {@code home}/postgres.log. {@code home} must not exist yet; it is owned by the server user.
     */
    public static PostgresInstance create(PostgresBinaries binaries, Path home) {
        return create(binaries, home, home.resolve("data"));
    }

    /**
     * As {@link #create(PostgresBinaries, Path)}, with the data directory at {@code dataDirectory}
     * (say, on a mounted volume): it must not exist yet, and its parent must exist.
     */
    public static PostgresInstance create(PostgresBinaries binaries, Path home, Path dataDirectory) {
        return create(binaries, home, dataDirectory, freePort(), UUID.randomUUID().toString());
    }

    /** As {@link #create(PostgresBinaries, Path, Path)}, on a given port and with a given password. */
    public static PostgresInstance create(PostgresBinaries binaries, Path home, Path dataDirectory, int port, String password) {
        Path archiveDirectory = home.resolve("archive");
        try {
            openPathFor(home.getParent());
            Files.createDirectory(home);
            chownToServerUser(home);
            if (!dataDirectory.startsWith(home)) {
                openPathFor(dataDirectory.getParent());
                Files.createDirectory(dataDirectory);
                chownToServerUser(dataDirectory);
            }
            Files.createDirectories(archiveDirectory);
            chownToServerUser(archiveDirectory);
            Path passwordFile = home.resolve("password");
            Files.writeString(passwordFile, password);
            chownToServerUser(passwordFile);
            PostgresInstance instance = new PostgresInstance(binaries, home, dataDirectory, archiveDirectory, port, password);
            instance.run(List.of(binaries.directory().resolve("initdb").toString(), "-D", dataDirectory.toString(), "-U", "postgres",
                    "--pwfile=" + passwordFile, "--auth-local=peer", "--auth-host=scram-sha-256", "-E", "UTF8",
                    "--locale=C.UTF-8", "--data-checksums"));
            Files.delete(passwordFile);
            Files.writeString(dataDirectory.resolve("postgresql.conf"), """

                    # PostgresInstance (tests)
                    listen_addresses = '127.0.0.1'
                    port = %d
                    unix_socket_directories = ''
                    wal_level = replica
                    archive_mode = on
                    archive_command = 'test ! -f %s/%%f && cp %%p %s/%%f'
                    shared_buffers = 32MB
                    max_wal_size = 256MB
                    fsync = on
                    """.formatted(port, archiveDirectory, archiveDirectory), StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
            // initdb fsyncs what it wrote; this edit must be as durable, or a crash-consistent
            // volume snapshot (RBD) can hold a torn postgresql.conf that PostgreSQL refuses to read.
            try (java.nio.channels.FileChannel conf = java.nio.channels.FileChannel.open(
                    dataDirectory.resolve("postgresql.conf"), java.nio.file.StandardOpenOption.WRITE)) {
                conf.force(true);
            }
            return instance;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A data directory that {@link #create} made earlier (on a volume that was unmounted and mounted
     * again, say), with {@code home} as before: not started.
     */
    public static PostgresInstance existing(PostgresBinaries binaries, Path home, Path dataDirectory, int port,
            String password) {
        if (!Files.isRegularFile(dataDirectory.resolve("PG_VERSION"))) {
            throw new IllegalStateException(dataDirectory + " holds no PostgreSQL cluster");
        }
        return new PostgresInstance(binaries, home, dataDirectory, home.resolve("archive"), port, password);
    }

    /**
     * A streaming standby of the running {@code primary} (pg_basebackup -R) in {@code home}/data,
     * configured and not started: its own port, its own archive directory (used once promoted), and
     * {@code wal_keep_size} so that, promoted, it still has the old timeline's recent segments.
     */
    public static PostgresInstance createStandby(PostgresInstance primary, Path home) {
        int port = freePort();
        Path dataDirectory = home.resolve("data");
        Path archiveDirectory = home.resolve("archive");
        try {
            openPathFor(home.getParent());
            Files.createDirectory(home);
            chownToServerUser(home);
            Files.createDirectories(archiveDirectory);
            chownToServerUser(archiveDirectory);
            Path passfile = home.resolve("pgpass");
            Files.writeString(passfile, "127.0.0.1:" + primary.port + ":*:postgres:" + primary.password + "\n");
            Files.setPosixFilePermissions(passfile, PosixFilePermissions.fromString("rw-------"));
            chownToServerUser(passfile);
            PostgresInstance standby = new PostgresInstance(primary.binaries, home, dataDirectory, archiveDirectory, port,
                    primary.password);
            standby.run(List.of(primary.binaries.directory().resolve("pg_basebackup").toString(), "-D", dataDirectory.toString(),
                    "-R", "-X", "stream", "-c", "fast", "-d",
                    "host=127.0.0.1 port=" + primary.port + " user=postgres application_name=standby passfile=" + passfile));
            Files.writeString(dataDirectory.resolve("postgresql.conf"), """

                    # PostgresInstance standby (tests)
                    port = %d
                    archive_command = 'test ! -f %s/%%f && cp %%p %s/%%f'
                    wal_keep_size = '512MB'
                    """.formatted(port, archiveDirectory, archiveDirectory), StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
            return standby;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs pgbench against this server as the server user, {@code arguments} first (say, "-T", "60"),
     * and returns its output; fails with that output if pgbench does.
     */
    public String pgbench(String... arguments) {
        try {
            Path passfile = home.resolve("pgpass-pgbench");
            if (!Files.exists(passfile)) {
                Files.writeString(passfile, "127.0.0.1:" + port + ":*:postgres:" + password + "\n");
                Files.setPosixFilePermissions(passfile, PosixFilePermissions.fromString("rw-------"));
                chownToServerUser(passfile);
            }
            List<String> command = new ArrayList<>(List.of(binaries.directory().resolve("pgbench").toString()));
            command.addAll(List.of(arguments));
            command.add("host=127.0.0.1 port=" + port + " user=postgres dbname=postgres passfile=" + passfile);
            Result result = execute(command);
            if (result.exitCode != 0) {
                throw new IllegalStateException("pgbench " + String.join(" ", arguments) + " failed (" + result.exitCode + "): "
                        + result.output + "\n" + logTail());
            }
            return result.output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ends a standby's recovery (pg_ctl promote -w): it is a primary on a new timeline when this returns. */
    public void promote() {
        run(List.of(binaries.directory().resolve("pg_ctl").toString(), "-D", dataDirectory.toString(), "-w", "-t", "60", "promote"));
    }

    public int port() {
        return port;
    }

    public void start() {
        run(List.of(binaries.directory().resolve("pg_ctl").toString(), "-D", dataDirectory.toString(), "-w", "-t", "60",
                "-l", logFile().toString(), "start"));
    }

    /** Starts it and returns at once: for a server that is expected to stop by itself (a recovery target's shutdown). */
    public void startWithoutWaiting() {
        run(List.of(binaries.directory().resolve("pg_ctl").toString(), "-D", dataDirectory.toString(), "-W",
                "-l", logFile().toString(), "start"));
    }

    public void stop() {
        if (isRunning()) {
            run(List.of(binaries.directory().resolve("pg_ctl").toString(), "-D", dataDirectory.toString(), "-w", "-t", "60",
                    "-m", "fast", "stop"));
        }
    }

    /** As a crash would leave it: no shutdown checkpoint, nothing more archived. */
    public void stopImmediately() {
        if (isRunning()) {
            run(List.of(binaries.directory().resolve("pg_ctl").toString(), "-D", dataDirectory.toString(), "-w", "-t", "60",
                    "-m", "immediate", "stop"));
        }
    }

    public boolean isRunning() {
        return execute(List.of(binaries.directory().resolve("pg_ctl").toString(), "-D", dataDirectory.toString(), "status"))
                .exitCode == 0;
    }

    public Connection connect() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user());
        properties.setProperty("password", password);
        return DriverManager.getConnection(jdbcUrl(), properties);
    }

    /** The first column of the first row {@code sql} returns, as text; {@link IllegalStateException} when there is no row. */
    public String queryValue(String sql) throws SQLException {
        try (Connection c = connect(); java.sql.Statement s = c.createStatement(); java.sql.ResultSet r = s.executeQuery(sql)) {
            if (!r.next()) {
                throw new IllegalStateException("no row for " + sql);
            }
            return r.getString(1);
        }
    }

    /** Polls {@code sql} until it answers true; fails, with the server's log, after {@code timeout}. */
    public void awaitTrue(String sql, java.time.Duration timeout) {
        Poll.until(sql + " answers true", timeout, () -> queryValue(sql), "t"::equals, this::logTail);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public String user() {
        return "postgres";
    }

    public String password() {
        return password;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    public Path archiveDirectory() {
        return archiveDirectory;
    }

    public Path binDirectory() {
        return binaries.directory();
    }

    /**
     * Writes a file of {@code megabytes} MB (not all zeros) into the data directory, so that copying
     * or snapshotting it takes long enough to act while that runs. The caller deletes it.
     */
    public Path writeBallast(int megabytes) {
        Path ballast = dataDirectory.resolve("shelter-test-ballast");
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(ballast.toFile(), "rw")) {
            byte[] block = new byte[1024 * 1024];
            for (int i = 0; i < megabytes; i++) {
                block[i % block.length] = (byte) i;
                file.write(block);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ballast;
    }

    /** The server's log, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public Path logFile() {
        return home.resolve("postgres.log");
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Makes {@code directory} and its parents traversable for the server user, which runs with less
     * than root. It only adds read and search for group and others: replacing the mode would take
     * the sticky bit and world-write off /tmp.
     */
    public static void openPathFor(Path directory) throws IOException {
        Files.createDirectories(directory);
        for (Path p = directory.toAbsolutePath(); p != null && !p.equals(p.getRoot()); p = p.getParent()) {
            if (Files.getOwner(p).getName().equals(System.getProperty("user.name"))) {
                java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = Files.getPosixFilePermissions(p);
                if (mode.addAll(PosixFilePermissions.fromString("---r-xr-x"))) {
                    Files.setPosixFilePermissions(p, mode);
                }
            }
        }
    }

    public static void chownToServerUser(Path path) throws IOException {
        if (runningAsRoot()) {
            Files.setOwner(path, path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));
        }
    }

    private static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private record Result(int exitCode, String output) {
    }

    private void run(List<String> command) {
        Result result = execute(command);
        if (result.exitCode != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + result.exitCode + "): " + result.output
                    + "\n" + logTail());
        }
    }

    private static Result execute(List<String> command) {
        List<String> full = new ArrayList<>();
        if (runningAsRoot()) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        try {
            // From "/": the server user may not be able to enter this JVM's working directory (a clone under
            // root's home), and initdb, pg_ctl and pgbench then fail. (restore-runbooks' OsUserCommand does the same.)
            Process process = new ProcessBuilder(full).directory(new java.io.File("/")).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command + " timed out");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        return Ports.reserve(); // PostgreSQL cannot bind port 0, and binds its port again at each restart
    }
}
