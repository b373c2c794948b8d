package dev.shelter.runbooks.kubernetes;

import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.util.PatchUtils;

/** The Node calls Shelter makes: cordon and uncordon (spec.unschedulable), read. */
final class Nodes {

    private final ApiClient client;
    private final CoreV1Api core;

    Nodes(ApiClient client) {
        this.client = client;
        this.core = new CoreV1Api(client);
    }

    void setUnschedulable(String node, boolean unschedulable) {
        V1Patch patch = new V1Patch("{\"spec\":{\"unschedulable\":" + (unschedulable ? "true" : "null") + "}}");
        ApiCall.run((unschedulable ? "cordon" : "uncordon") + " node " + node,
                () -> PatchUtils.patch(V1Node.class, () -> core.patchNode(node, patch).buildCall(null),
                        V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, client));
    }

    boolean isUnschedulable(String node) {
        V1Node read = ApiCall.run("read node " + node, () -> core.readNode(node).execute());
        return read.getSpec() != null && Boolean.TRUE.equals(read.getSpec().getUnschedulable());
    }
}
