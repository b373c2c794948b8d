package dev.shelter.service.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Shelter as operators run it: {@code java -jar service/target/shelter.jar server shelter.yml}, in a
 * process of its own that a test can kill with -9. The jar is built in the package phase, before
 * the integration tests.
 */
final class ShelterProcess implements AutoCloseable {

    static final Path JAR = Path.of("target", "shelter.jar");

    private final Process process;
    private final Path log;

    private ShelterProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** A free port on 127.0.0.1 for the configuration's application connector. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts Shelter on {@code config}, whose application port is {@code port}, and waits until its API answers. */
    static ShelterProcess start(Path config, int port, String token, Path log) throws IOException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: it is built in the package phase, before this test");
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-Xmx256m", "-jar", JAR.toAbsolutePath().toString(), "server",
                config.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ShelterProcess shelter = new ShelterProcess(process, log);
        ShelterClient client = new ShelterClient(port, token);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new AssertionError("Shelter exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                if (client.get("/api/v1/clusters").status() == 200) {
                    return shelter;
                }
            } catch (UncheckedIOException notListeningYet) {
                // starting
            }
            ShelterClient.pause(100);
        }
        shelter.close();
        throw new AssertionError("Shelter did not answer within 60 s:\n" + Files.readString(log));
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
