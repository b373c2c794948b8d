package dev.shelter.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shelter.runbooks.local.OsUserCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Patroni cluster of a test's own on 127.0.0.1: one etcd (v3 API, Patroni's {@code etcd3} section)
 * and N members, each with its PGDATA under a scratch directory and free ports for PostgreSQL and
 * the REST API. Patroni runs as the postgres OS user when the test runs as root (PostgreSQL refuses
 * root). Short HA timings (loop_wait 1 s, ttl 10 s, retry_timeout 5 s) keep a switchover to seconds.
 * {@link #close} stops every process it started, by PID, and deletes the directory.
 */
public final class LocalPatroniCluster implements AutoCloseable {

    /** One member: its Patroni name, its PostgreSQL port, its REST API, its directory (config, data, log). */
    public record Member(String name, int postgresPort, URI restEndpoint, Path home) {

        public Path dataDirectory() {
            return home.resolve("data");
        }

        Path log() {
            return home.resolve("patroni.log");
        }
    }

    /** The shared stack's ports (deploy/local/stack); a test cluster must never take one while that stack is down. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final String REST_USER = "shelter";

    /** Patroni's scope: the cluster's name, and its keys' directory in etcd under /service. */
    public static final String SCOPE = "shelter-test";

    private final ScratchDirectory scratch;
    private final Map<String, String> parameters;
    private final List<Member> members = new ArrayList<>();
    private int etcdClientPort;
    private final String superuserPassword = randomSecret();
    private final String restPassword = randomSecret();
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Process> launched = new ArrayList<>();
    private final List<ProcessHandle> patroniProcesses = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::close, "stop LocalPatroniCluster");
    private boolean closed;

    private LocalPatroniCluster(ScratchDirectory scratch, Map<String, String> parameters) {
        this.scratch = scratch;
        this.parameters = Map.copyOf(parameters);
    }

    /** Starts etcd and {@code memberCount} members; returns once one leads and every other streams from it. */
    public static LocalPatroniCluster start(PatroniBinaries patroni, PostgresBinaries postgres, int memberCount) {
        return start(patroni, postgres, memberCount, Map.of());
    }

    /** As above, each member's PostgreSQL also running with {@code parameters} (archive_command...). */
    public static LocalPatroniCluster start(PatroniBinaries patroni, PostgresBinaries postgres, int memberCount,
                                            Map<String, String> parameters) {
        LocalPatroniCluster cluster = new LocalPatroniCluster(ScratchDirectory.create("shelter-patroni-"), parameters);
        // A failed run must not leave servers behind, even when the JVM exits without close().
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            Files.setPosixFilePermissions(cluster.scratch.path(), PosixFilePermissions.fromString("rwxr-xr-x"));
            cluster.etcdClientPort = cluster.startEtcd(patroni.etcd());
            for (int i = 0; i < memberCount; i++) {
                cluster.startMember("pg" + i, patroni.patroni(), postgres, cluster.etcdClientPort);
            }
            cluster.awaitLeaderWithStreamingReplicas(READY_TIMEOUT);
            return cluster;
        } catch (RuntimeException | IOException | Error e) {
            String logs = cluster.logTails();
            cluster.close();
            throw new IllegalStateException("the Patroni cluster did not come up: " + e.getMessage() + "\n" + logs, e);
        }
    }

    public List<Member> members() {
        return List.copyOf(members);
    }

    public List<URI> restEndpoints() {
        return members.stream().map(Member::restEndpoint).toList();
    }

    /** Patroni's {@code restapi.authentication}: every change through the REST API needs it. */
    public String restUsername() {
        return REST_USER;
    }

    public String restPassword() {
        return restPassword;
    }

    /** The password of the PostgreSQL superuser "postgres" on every member. */
    public String superuserPassword() {
        return superuserPassword;
    }

    /** etcd's client URL, where Patroni keeps the cluster's state (v3 API). */
    public URI etcdEndpoint() {
        return URI.create("http://127.0.0.1:" + etcdClientPort);
    }

    /** Every line Patroni and its PostgreSQL wrote to the member's log. */
    public String logOf(Member member) {
        try {
            return Files.readString(member.log());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True while the member's Patroni process runs (it exits, for one, on a system ID mismatch). */
    public boolean patroniRuns(Member member) {
        return patroniProcesses.get(members.indexOf(member)).isAlive();
    }

    /** Patroni's own {@code GET /cluster} body, from the first member that answers, for assertions on the raw state. */
    public String clusterJson() {
        List<String> failures = new ArrayList<>();
        for (Member member : members) {
            try {
                return get(member.restEndpoint(), "/cluster").body();
            } catch (IOException e) {
                failures.add(member.name() + ": " + e);
            }
        }
        throw new IllegalStateException("no member answered GET /cluster: " + failures);
    }

    /** The member's own {@code GET /patroni} status (also sent with 503 while its PostgreSQL is down). */
    public JsonNode memberStatus(Member member) {
        try {
            return json.readTree(get(member.restEndpoint(), "/patroni").body());
        } catch (IOException e) {
            throw new UncheckedIOException(member.name() + " did not answer GET /patroni", e);
        }
    }

    /** The first column of the first row, as text, from the PostgreSQL on {@code port}, as the superuser. */
    public String queryValue(int port, String sql) throws SQLException {
        try (Connection connection = connect(port); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            if (!rows.next()) {
                throw new IllegalStateException("no row for " + sql);
            }
            return rows.getString(1);
        }
    }

    /** Runs {@code sql} (DDL, a write) on the PostgreSQL on {@code port}, as the superuser. */
    public void execute(int port, String sql) throws SQLException {
        try (Connection connection = connect(port); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** A connection to the member's PostgreSQL, as the superuser. */
    public Connection connect(Member member) throws SQLException {
        return connect(member.postgresPort());
    }

    private Connection connect(int port) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        properties.setProperty("password", superuserPassword);
        properties.setProperty("connectTimeout", "5");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", properties);
    }

    /** Polls until {@code sql} on {@code port} answers {@code expected}; fails with the members' logs after {@code timeout}. */
    public void awaitQueryValue(int port, String sql, String expected, Duration timeout) {
        String[] last = {"nothing yet"};
        await(timeout, () -> {
            try {
                last[0] = queryValue(port, sql);
                return expected.equals(last[0]);
            } catch (SQLException | IllegalStateException e) {
                last[0] = e.getMessage();
                return false;
            }
        }, () -> "port " + port + " did not answer '" + expected + "' to " + sql + " (last: " + last[0] + ")");
    }

    /**
     * Waits until one member leads with PostgreSQL running and every other member streams from it: the
     * leader's own {@code GET /patroni} lists them as "streaming", and {@code GET /cluster} shows them
     * running with a known lag. Returns the leader's name.
     */
    public String awaitLeaderWithStreamingReplicas(Duration timeout) {
        String[] seen = {"nothing yet"};
        String[] leader = {null};
        await(timeout, () -> {
            try {
                JsonNode cluster = json.readTree(clusterJson());
                Optional<JsonNode> leading = stream(cluster.path("members"))
                        .filter(m -> m.path("role").asText().equals("leader") && m.path("state").asText().equals("running"))
                        .findFirst();
                seen[0] = cluster.toString();
                if (leading.isEmpty()) {
                    return false;
                }
                String leaderName = leading.get().path("name").asText();
                Member leaderMember = member(leaderName);
                Set<String> streaming = stream(memberStatus(leaderMember).path("replication"))
                        .filter(r -> r.path("state").asText().equals("streaming"))
                        .map(r -> r.path("application_name").asText()).collect(Collectors.toSet());
                Set<String> others = members.stream().map(Member::name).filter(n -> !n.equals(leaderName))
                        .collect(Collectors.toSet());
                // Each replica's own record in the DCS catches up a loop later than the leader's view.
                Set<String> runningReplicas = stream(cluster.path("members"))
                        .filter(m -> m.path("role").asText().equals("replica") && m.path("state").asText().equals("running")
                                && m.path("lag").isIntegralNumber())
                        .map(m -> m.path("name").asText()).collect(Collectors.toSet());
                seen[0] += "; streaming from " + leaderName + ": " + streaming;
                leader[0] = leaderName;
                return streaming.containsAll(others) && runningReplicas.containsAll(others);
            } catch (IOException | RuntimeException e) {
                seen[0] = e.toString();
                return false;
            }
        }, () -> "no leader with " + (members.size() - 1) + " streaming replica(s); last seen: " + seen[0]);
        return leader[0];
    }

    public Member member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no member " + name));
    }

    /** The end of each member's log (Patroni and its PostgreSQL write to it) and of etcd's, for failure messages. */
    public String logTails() {
        StringBuilder tails = new StringBuilder();
        for (Member member : members) {
            tails.append("--- ").append(member.name()).append(" (").append(member.log()).append(")\n")
                    .append(tail(member.log(), 40)).append('\n');
        }
        tails.append("--- etcd\n").append(tail(scratch.resolve("etcd.log"), 10)).append('\n');
        return tails.toString();
    }

    /**
     * Stops Patroni first (else it would restart its PostgreSQL), then any PostgreSQL still up (a
     * paused Patroni leaves it running), then etcd: each by PID, TERM and then KILL. Deletes the directory.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // running as the hook itself
        }
        stop(patroniProcesses);
        stop(members.stream().map(this::postmaster).flatMap(Optional::stream).toList());
        // What is left: the runuser wrappers (gone with Patroni) and etcd.
        stop(launched.stream().map(Process::toHandle).toList());
        scratch.close();
    }

    private int startEtcd(Path etcdBinary) throws IOException {
        int clientPort = freePort();
        int peerPort = freePort();
        String peerUrl = "http://127.0.0.1:" + peerPort;
        String clientUrl = "http://127.0.0.1:" + clientPort;
        // Patroni's etcd3 driver speaks etcd's v3 JSON gateway, so the v2 API (--enable-v2) is not needed.
        launch(List.of(etcdBinary.toString(), "--name", "shelter-test", "--data-dir", scratch.resolve("etcd").toString(),
                "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", "shelter-test=" + peerUrl), scratch.resolve("etcd.log"), false);
        await(Duration.ofSeconds(30), () -> {
            try {
                return get(URI.create(clientUrl), "/health").body().contains("\"health\":\"true\"");
            } catch (IOException notYet) {
                return false;
            }
        }, () -> "etcd on " + clientUrl + " did not report healthy");
        return clientPort;
    }

    private void startMember(String name, Path patroniBinary, PostgresBinaries postgres, int etcdClientPort) throws IOException {
        int postgresPort = freePort();
        int restPort = freePort();
        Path home = scratch.resolve(name);
        Files.createDirectory(home);
        PostgresInstance.chownToServerUser(home);
        Member member = new Member(name, postgresPort, URI.create("http://127.0.0.1:" + restPort), home);
        Path config = home.resolve("patroni.yml");
        // YAML is a superset of JSON: Jackson writes Patroni's configuration.
        Files.writeString(config, json.writerWithDefaultPrettyPrinter().writeValueAsString(
                configuration(member, postgres, etcdClientPort)));
        PostgresInstance.chownToServerUser(config);
        Process process = launch(List.of(patroniBinary.toString(), config.toString()), member.log(), true);
        members.add(member);
        patroniProcesses.add(patroniItself(process));
    }

    private ObjectNode configuration(Member member, PostgresBinaries postgres, int etcdClientPort) {
        ObjectNode root = json.createObjectNode();
        root.put("scope", SCOPE);
        root.put("name", member.name());
        root.putObject("log").put("level", "INFO");
        String rest = "127.0.0.1:" + member.restEndpoint().getPort();
        ObjectNode restapi = root.putObject("restapi").put("listen", rest).put("connect_address", rest);
        restapi.putObject("authentication").put("username", REST_USER).put("password", restPassword);
        root.putObject("etcd3").put("host", "127.0.0.1:" + etcdClientPort);

        ObjectNode bootstrap = root.putObject("bootstrap");
        // ttl must exceed loop_wait + 2 x retry_timeout, or a slow loop loses the leader lock.
        ObjectNode dcs = bootstrap.putObject("dcs").put("ttl", 10).put("loop_wait", 1).put("retry_timeout", 3)
                .put("maximum_lag_on_failover", 1024 * 1024);
        ObjectNode clusterParameters = dcs.putObject("postgresql").put("use_pg_rewind", true).putObject("parameters")
                .put("wal_keep_size", "64MB").put("max_wal_senders", 5).put("max_replication_slots", 5);
        // The cluster-wide configuration: Patroni takes some (track_commit_timestamp...) from there only.
        parameters.forEach(clusterParameters::put);
        bootstrap.putArray("initdb").add(json.createObjectNode().put("encoding", "UTF8"))
                .add(json.createObjectNode().put("locale", "C.UTF-8")).add("data-checksums");
        bootstrap.putArray("pg_hba").add("host replication replicator 127.0.0.1/32 scram-sha-256")
                .add("host all all 127.0.0.1/32 scram-sha-256");

        String listen = "127.0.0.1:" + member.postgresPort();
        ObjectNode postgresql = root.putObject("postgresql").put("listen", listen).put("connect_address", listen)
                .put("data_dir", member.dataDirectory().toString()).put("bin_dir", postgres.directory().toString())
                .put("pgpass", member.home().resolve("pgpass").toString());
        ObjectNode authentication = postgresql.putObject("authentication");
        authentication.putObject("superuser").put("username", "postgres").put("password", superuserPassword);
        authentication.putObject("replication").put("username", "replicator").put("password", superuserPassword);
        authentication.putObject("rewind").put("username", "rewinder").put("password", superuserPassword);
        postgresql.putObject("parameters").put("unix_socket_directories", member.home().toString())
                .put("shared_buffers", "16MB");
        return root;
    }

    /**
     * Starts {@code command} with its output appended to {@code log}; as the server user if asked and running as root,
     * and from "/" (Patroni's multiprocessing changes into its working directory, which the server user must be able to enter).
     */
    private Process launch(List<String> command, Path log, boolean asServerUser) throws IOException {
        OsUserCommand asUser = asServerUser ? new OsUserCommand("postgres", command) : OsUserCommand.asCurrentUser(command);
        ProcessBuilder builder = asUser.processBuilder().redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // The caller's environment must not reconfigure these servers behind their config files.
        builder.environment().keySet().removeIf(key -> key.startsWith("PATRONI_") || key.startsWith("ETCD_"));
        Process process = builder.start();
        launched.add(process);
        return process;
    }

    /**
     * Patroni's own process. Under runuser it is runuser's child, and signals must go to it directly:
     * runuser answers TERM by killing its child two seconds later, which would cut Patroni's shutdown short.
     */
    private static ProcessHandle patroniItself(Process process) {
        if (!runningAsRoot()) {
            return process.toHandle();
        }
        return Poll.until("runuser starting Patroni", Duration.ofSeconds(10), Duration.ofMillis(20), () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("runuser exited with " + process.exitValue() + " before starting Patroni");
            }
            return process.toHandle().children().findFirst();
        }, Optional::isPresent, () -> "").orElseThrow();
    }

    /** The member's postmaster, from its postmaster.pid, if that process is still a running postgres. */
    private Optional<ProcessHandle> postmaster(Member member) {
        Path pidFile = member.dataDirectory().resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /** TERM to all, then KILL to whichever has not exited within the grace period. */
    private static void stop(List<ProcessHandle> processes) {
        processes.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (ProcessHandle process : processes) {
            long left = Math.max(deadline - System.nanoTime(), 0);
            try {
                process.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                process.destroyForcibly();
                process.onExit().completeOnTimeout(process, 10, TimeUnit.SECONDS).join();
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    private HttpResponse<String> get(URI endpoint, String path) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(endpoint + path)).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private void await(Duration timeout, BooleanSupplier done, Supplier<String> failure) {
        Poll.until("the Patroni cluster's condition", timeout, Duration.ofMillis(200), done::getAsBoolean, Boolean.TRUE::equals,
                () -> failure.get() + "\n" + logTails());
    }

    /** Held for the JVM: etcd, Patroni and PostgreSQL are told their ports and cannot bind port 0. */
    private static int freePort() {
        return Ports.reserve();
    }

    private static String tail(Path log, int lines) {
        try {
            // Patroni logs "no action" every loop_wait; what happened is in the other lines.
            List<String> kept = Files.readAllLines(log).stream().filter(line -> !line.contains("INFO: no action.")).toList();
            return String.join("\n", kept.subList(Math.max(0, kept.size() - lines), kept.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items.stream();
    }

    private static String randomSecret() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
