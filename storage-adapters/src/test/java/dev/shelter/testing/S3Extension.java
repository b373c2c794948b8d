package dev.shelter.testing;

import org.testcontainers.containers.MinIOContainer;

import java.net.URI;
import java.util.Optional;

final class S3Extension extends RealServerExtension<S3Server> {

    @Override
    protected Class<S3Server> serverType() {
        return S3Server.class;
    }

    @Override
    protected String serverName() {
        return "S3 server";
    }

    @Override
    protected String environmentHint() {
        return "SHELTER_STACK_S3_ENDPOINT, SHELTER_STACK_S3_ACCESS_KEY, SHELTER_STACK_S3_SECRET_KEY";
    }

    @Override
    protected Optional<S3Server> fromEnvironment() {
        return env("SHELTER_STACK_S3_ENDPOINT").map(endpoint -> new S3Server(URI.create(endpoint),
                env("SHELTER_STACK_S3_REGION").orElse("us-east-1"),
                env("SHELTER_STACK_S3_ACCESS_KEY").orElseThrow(() -> new IllegalStateException("SHELTER_STACK_S3_ACCESS_KEY is not set")),
                env("SHELTER_STACK_S3_SECRET_KEY").orElseThrow(() -> new IllegalStateException("SHELTER_STACK_S3_SECRET_KEY is not set"))));
    }

    @Override
    protected Optional<S3Server> fromContainer() {
        @SuppressWarnings("resource") // lives for the JVM; Testcontainers' reaper removes it
        MinIOContainer container = new MinIOContainer("minio/minio:RELEASE.2023-09-04T19-57-37Z");
        container.start();
        return Optional.of(new S3Server(URI.create(container.getS3URL()), "us-east-1", container.getUserName(), container.getPassword()));
    }
}
