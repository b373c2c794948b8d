package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.runbooks.kubernetes.KubernetesConnection;
import io.dropwizard.validation.ValidationMethod;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How Shelter reaches the API server of the clusters with {@code kind: kubernetes} targets.
 * Absent or empty: in the cluster, as its pod's ServiceAccount (deploy/kubernetes/rbac.yaml).
 * From outside: the server URL, a bearer token ({@code file:/path} keeps it out of this file)
 * and the server's CA certificate.
 */
public class KubernetesConfig {

    @JsonProperty
    public String server;

    @JsonProperty
    public Secret token;

    @JsonProperty
    public String certificateAuthorityFile;

    @ValidationMethod(message = "kubernetes.server needs kubernetes.token (and usually certificateAuthorityFile)")
    public boolean isTokenGivenWithServer() {
        return server == null || token != null && !token.isEmpty();
    }

    public KubernetesConnection toConnection() {
        if (server == null) {
            return KubernetesConnection.inCluster();
        }
        return new KubernetesConnection(Optional.of(server), Optional.of(token.reveal()),
                Optional.ofNullable(certificateAuthorityFile).map(Path::of));
    }
}
