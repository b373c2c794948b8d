package dev.shelter.runbooks.kubernetes;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How Shelter reaches an API server: in the cluster, through its pod's service account (empty
 * server); from outside, a server URL, a bearer token and the server's CA certificate.
 */
public record KubernetesConnection(Optional<String> server, Optional<String> token, Optional<Path> certificateAuthority) {

    /** Watches run up to 10 s; reads must outlast them. */
    private static final int READ_TIMEOUT_MILLIS = 30_000;

    public KubernetesConnection {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(certificateAuthority, "certificateAuthority");
        if (server.isPresent() && token.isEmpty()) {
            throw new IllegalArgumentException("a Kubernetes server URL needs a bearer token");
        }
    }

    public static KubernetesConnection inCluster() {
        return new KubernetesConnection(Optional.empty(), Optional.empty(), Optional.empty());
    }

    public static KubernetesConnection to(String server, String token, Path certificateAuthority) {
        return new KubernetesConnection(Optional.of(server), Optional.of(token), Optional.of(certificateAuthority));
    }

    public ApiClient open() {
        try {
            ApiClient client;
            if (server.isEmpty()) {
                client = ClientBuilder.cluster().build();
            } else {
                ClientBuilder builder = new ClientBuilder().setBasePath(server.get())
                        .setAuthentication(new AccessTokenAuthentication(token.get()));
                if (certificateAuthority.isPresent()) {
                    builder.setCertificateAuthority(Files.readAllBytes(certificateAuthority.get()));
                }
                client = builder.build();
            }
            client.setReadTimeout(READ_TIMEOUT_MILLIS);
            return client;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set up the Kubernetes client: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "KubernetesConnection[" + server.orElse("in-cluster") + "]";
    }
}
