package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.runbooks.kubernetes.KubernetesConnection;
import dev.shelter.runbooks.kubernetes.KubernetesRecoveryFiles;
import io.dropwizard.validation.ValidationMethod;
import jakarta.validation.constraints.NotEmpty;

import java.nio.file.Path;
import java.util.List;
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

    /**
     * Shelter's own image: restores on Kubernetes write their recovery files with a short-lived job of
     * it ({@code restore-prepare}). Absent: restores of {@code kind: kubernetes} clusters are refused.
     */
    @JsonProperty
    public String shelterImage;

    /** The command that starts Shelter in that image; the job appends {@code restore-prepare} and its arguments. */
    @NotEmpty
    @JsonProperty
    public List<String> shelterCommand = List.of("java", "-jar", "/opt/shelter/shelter.jar");

    /**
     * With several replicas on Kubernetes: the namespace (Shelter's own) of the coordination.k8s.io
     * Leases that say which replica streams each cluster's WAL and which runs its plans. Absent:
     * the leases are rows of the catalog database (catalog kind postgres), or in memory.
     */
    @JsonProperty
    public String leaseNamespace;

    public Optional<KubernetesRecoveryFiles.ShelterImage> shelterImage() {
        return Optional.ofNullable(shelterImage).filter(image -> !image.isBlank())
                .map(image -> new KubernetesRecoveryFiles.ShelterImage(image, shelterCommand));
    }

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
