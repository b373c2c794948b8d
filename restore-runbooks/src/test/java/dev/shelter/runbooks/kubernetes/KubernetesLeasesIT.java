package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.catalog.Leases;
import dev.shelter.runbooks.catalog.LeasesContract;
import dev.shelter.testing.KubeApiServer;
import dev.shelter.testing.RealKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import java.time.Clock;

/**
 * The leases contract against Lease objects of the real kube-apiserver, in its default namespace;
 * every Lease the tests made is deleted afterwards.
 */
@RealKubernetes
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesLeasesIT extends LeasesContract {

    private final KubeApiServer server;
    private ApiClient client;
    private KubernetesLeases leases;

    KubernetesLeasesIT(KubeApiServer server) {
        this.server = server;
    }

    @BeforeAll
    void connect() {
        client = KubernetesConnection.to(server.url(), server.adminToken(), server.certificateAuthority()).open();
        leases = new KubernetesLeases(client, "default", Clock.systemUTC(), System::nanoTime);
    }

    @AfterAll
    void deleteTheLeasesMade() throws Exception {
        new CoordinationV1Api(client).deleteCollectionNamespacedLease("default").labelSelector("app.kubernetes.io/managed-by=shelter")
                .execute();
    }

    @Override
    protected Leases leases() {
        return leases;
    }
}
