package dev.shelter.service.app;

import dev.shelter.service.config.ShelterConfiguration;
import dev.shelter.testing.S3Server;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Shelter in the test's own JVM, as the integration tests run it: both servers on ephemeral
 * loopback ports, no request log, WARN logging, and the tokens the test names. A test writes
 * {@link #header} followed by its own sections (clusters, stores) and starts Shelter on the file.
 */
final class InProcessShelter implements AutoCloseable {

    /** A bearer token of the test configuration. */
    record Token(String name, String role, String value) {
    }

    private final DropwizardTestSupport<ShelterConfiguration> app;
    private final String token;

    private InProcessShelter(DropwizardTestSupport<ShelterConfiguration> app, String token) {
        this.app = app;
        this.token = token;
    }

    static Token admin(String value) {
        return new Token("it-admin", "admin", value);
    }

    static Token operator(String value) {
        return new Token("it-operator", "operator", value);
    }

    static Token viewer(String value) {
        return new Token("it-viewer", "viewer", value);
    }

    /** The sections every test configuration starts with. */
    static String header(Token... tokens) {
        return """
                server:
                  applicationConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
                  adminConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
                  requestLog: {appenders: []}
                logging: {level: WARN}
                auth:
                  tokens:
                """ + Arrays.stream(tokens).map(t -> "    - {name: %s, role: %s, token: %s}\n".formatted(t.name(), t.role(), t.value()))
                .collect(Collectors.joining());
    }

    /** The objectStore section for a bucket of the real S3 server; the secret key goes to {@code secretFile}. */
    static String s3ObjectStore(S3Server s3, String bucket, Path secretFile) {
        try {
            Files.writeString(secretFile, s3.secretAccessKey());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "objectStore: {kind: s3, endpoint: \"%s\", region: %s, bucket: %s, accessKeyId: %s, secretAccessKey: \"file:%s\"}"
                .formatted(s3.endpoint(), s3.region(), bucket, s3.accessKeyId(), secretFile);
    }

    /** Starts Shelter on a configuration file; {@link #client()} then speaks with {@code token}. */
    static InProcessShelter startOn(Path configFile, String token) {
        // Shelter's own state (a local cluster's events) goes next to the test's configuration, not to /var/lib/shelter.
        DropwizardTestSupport<ShelterConfiguration> app = new DropwizardTestSupport<>(ShelterApplication.class,
                configFile.toString(), ConfigOverride.config("stateDirectory",
                configFile.toAbsolutePath().getParent().resolve("shelter-state").toString()));
        try {
            app.before();
        } catch (Exception e) {
            throw new IllegalStateException("Shelter did not start on " + configFile + ": " + e.getMessage(), e);
        }
        return new InProcessShelter(app, token);
    }

    ShelterClient client() {
        return new ShelterClient(app.getLocalPort(), token);
    }

    int port() {
        return app.getLocalPort();
    }

    int adminPort() {
        return app.getAdminPort();
    }

    @Override
    public void close() {
        app.after();
    }
}
