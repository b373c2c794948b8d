package dev.shelter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * An s3proxy of a test's own (the stack's jar, SHELTER_STACK_S3_JAR), on a port held for the JVM ({@link Ports}), with its own
 * filesystem backend under {@code home}, that the test may stop and start again, to play an object
 * store outage without touching the shared one. {@link #close} stops it; the caller removes {@code home}.
 */
public final class PrivateS3Proxy implements AutoCloseable {

    private final Path home;
    private final int port;
    private final String secret = UUID.randomUUID().toString();
    private Process process;

    private PrivateS3Proxy(Path home, int port) {
        this.home = home;
        this.port = port;
    }

    /** Starts it with one bucket, {@code bucket}. */
    public static PrivateS3Proxy start(Path home, String bucket) {
        int port = Ports.reserve(); // held for the JVM: the proxy binds it again at each resume
        PrivateS3Proxy proxy = new PrivateS3Proxy(home, port);
        try {
            Files.createDirectories(home.resolve("data").resolve(bucket)); // a filesystem-backend bucket is a directory
            Files.writeString(home.resolve("s3proxy.properties"), """
                    s3proxy.endpoint=http://127.0.0.1:%d
                    s3proxy.authorization=aws-v2-or-v4
                    s3proxy.identity=private
                    s3proxy.credential=%s
                    s3proxy.ignore-unknown-headers=true
                    jclouds.provider=filesystem
                    jclouds.filesystem.basedir=%s
                    """.formatted(port, proxy.secret, home.resolve("data")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        proxy.resume();
        return proxy;
    }

    public S3Server server() {
        return new S3Server(URI.create("http://127.0.0.1:" + port), "us-east-1", "private", secret);
    }

    /** The outage: stops the process; the port stays closed until {@link #resume}. */
    public void suspend() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts the process (again) on the same port and data, and waits until it listens. */
    public void resume() {
        String jar = System.getenv("SHELTER_STACK_S3_JAR");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("SHELTER_STACK_S3_JAR does not name the s3proxy jar; deploy/local/stack up s3 exports it");
        }
        try {
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", jar,
                    "--properties", home.resolve("s3proxy.properties").toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("s3proxy.log").toFile()))
                    .start();
            Poll.until("s3proxy listens on " + port, Duration.ofSeconds(60), () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("s3proxy exited with " + process.exitValue() + ": "
                            + Files.readString(home.resolve("s3proxy.log")));
                }
                try (Socket probe = new Socket()) {
                    probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    return true;
                }
            }, Boolean.TRUE::equals);
        } catch (IOException e) {
            suspend();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | AssertionError e) {
            suspend(); // stop what was started, whatever went wrong
            throw e;
        }
    }

    @Override
    public void close() {
        suspend();
    }
}
