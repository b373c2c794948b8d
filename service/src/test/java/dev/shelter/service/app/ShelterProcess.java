package dev.shelter.service.app;

import dev.shelter.testing.Poll;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shelter as operators run it: {@code java -jar service/target/shelter.jar server shelter.yml}, in a
 * process of its own that a test can kill with -9. The jar is built in the package phase, before
 * the integration tests.
 */
final class ShelterProcess implements AutoCloseable {

    static final Path JAR = Path.of("target", "shelter.jar");
    /** Jetty's line for the bound application connector: its port, when the configuration asked for port 0. */
    private static final Pattern APPLICATION_CONNECTOR = Pattern.compile("Started application@\\p{XDigit}+\\{[^}]*}\\{127\\.0\\.0\\.1:(\\d+)}");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final Process process;
    private final Path log;
    private int port;

    private ShelterProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * The server, logging and auth sections for a Shelter on a fixed {@code port} (a restored server's
     * restore_command must reach it after a restart too), with an admin and an operator token.
     */
    static String restorableHeader(int port, String adminToken, String operatorToken) {
        return """
                server:
                  applicationConnectors: [{type: http, port: %d, bindHost: 127.0.0.1}]
                  adminConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
                  requestLog: {appenders: []}
                logging: {level: INFO}
                auth:
                  tokens: [{name: it-admin, role: admin, token: %s}, {name: it-operator, role: operator, token: %s}]
                """.formatted(port, adminToken, operatorToken);
    }

    /**
     * Starts Shelter on {@code config}, whose application connector binds port 0 on 127.0.0.1 (no
     * port is chosen early and left for anyone to take), reads the port it bound from its log, and
     * waits until its API answers there.
     */
    static ShelterProcess start(Path config, String token, Path log) throws IOException {
        return start(config, token, log, List.of());
    }

    /** As {@link #start(Path, String, Path)}, with extra JVM options (such as a failpoint). */
    static ShelterProcess start(Path config, String token, Path log, List<String> jvmOptions) throws IOException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: it is built in the package phase, before this test");
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx256m"));
        // Shelter's own state (a local cluster's events) goes next to the test's configuration, not to /var/lib/shelter.
        command.add("-Ddw.stateDirectory=" + config.toAbsolutePath().getParent().resolve("shelter-state"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toAbsolutePath().toString(), "server", config.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ShelterProcess shelter = new ShelterProcess(process, log);
        try {
            shelter.port = Poll.until("Shelter logs the port of its application connector", START_TIMEOUT, () -> {
                shelter.requireAlive();
                Matcher bound = APPLICATION_CONNECTOR.matcher(Files.readString(log));
                return bound.find() ? Integer.parseInt(bound.group(1)) : -1;
            }, p -> p > 0, shelter::logOrWhy);
            ShelterClient client = shelter.client(token);
            Poll.until("Shelter answers on port " + shelter.port, START_TIMEOUT, () -> {
                shelter.requireAlive();
                return client.get("/api/v1/clusters").status();
            }, status -> status == 200, shelter::logOrWhy);
            return shelter;
        } catch (RuntimeException | AssertionError e) {
            shelter.close();
            throw e;
        }
    }

    /** The port its application connector bound. */
    int port() {
        return port;
    }

    ShelterClient client(String token) {
        return new ShelterClient(port, token);
    }

    private void requireAlive() throws IOException {
        if (!process.isAlive()) {
            throw new AssertionError("Shelter exited with " + process.exitValue() + ":\n" + Files.readString(log));
        }
    }

    String logOrWhy() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGSTOP: every thread of Shelter stands still where it is, until {@link #thaw()} or a kill. */
    void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT, after {@link #freeze()}. */
    void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).redirectErrorStream(true).start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + ": " + new String(kill.getInputStream().readAllBytes()));
        }
    }

    /** SIGKILL, as a crash or the OOM killer would; returns the exit status (137). */
    int killHard() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        return process.exitValue();
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** A clean stop (SIGTERM), forced after 30 s. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
