package dev.shelter.runbooks.kubernetes;

import com.google.gson.Gson;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.models.V1Scale;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.util.PatchUtils;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The StatefulSet calls Shelter makes: read, scale through the scale subresource, annotate. */
final class StatefulSets {

    private final ApiClient client;
    private final AppsV1Api apps;

    StatefulSets(ApiClient client) {
        this.client = client;
        this.apps = new AppsV1Api(client);
    }

    V1StatefulSet get(String namespace, String name) {
        return ApiCall.run("read statefulset " + namespace + "/" + name,
                () -> apps.readNamespacedStatefulSet(name, namespace).execute());
    }

    /** spec.replicas through the scale subresource; the server omits it when it is 0. */
    int desiredReplicas(String namespace, String name) {
        V1Scale scale = ApiCall.run("read the scale of statefulset " + namespace + "/" + name,
                () -> apps.readNamespacedStatefulSetScale(name, namespace).execute());
        return scale.getSpec() == null || scale.getSpec().getReplicas() == null ? 0 : scale.getSpec().getReplicas();
    }

    void scale(String namespace, String name, int replicas) {
        V1Patch patch = new V1Patch("{\"spec\":{\"replicas\":" + replicas + "}}");
        ApiCall.run("scale statefulset " + namespace + "/" + name + " to " + replicas,
                () -> PatchUtils.patch(V1Scale.class,
                        () -> apps.patchNamespacedStatefulSetScale(name, namespace, patch).buildCall(null),
                        V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, client));
    }

    /** A JSON merge patch of metadata.annotations: an empty value removes the key. */
    void annotate(String namespace, String name, Map<String, Optional<String>> changes) {
        Map<String, String> annotations = new LinkedHashMap<>();
        changes.forEach((key, value) -> annotations.put(key, value.orElse(null)));
        String json = new Gson().newBuilder().serializeNulls().create()
                .toJson(Map.of("metadata", Map.of("annotations", annotations)));
        ApiCall.run("annotate statefulset " + namespace + "/" + name,
                () -> PatchUtils.patch(V1StatefulSet.class,
                        () -> apps.patchNamespacedStatefulSet(name, namespace, new V1Patch(json)).buildCall(null),
                        V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, client));
    }

    /** matchLabels as a label selector; StatefulSets made by operators use no matchExpressions. */
    static String selectorOf(V1StatefulSet statefulSet) {
        Map<String, String> labels = statefulSet.getSpec().getSelector().getMatchLabels();
        if (labels == null || labels.isEmpty()) {
            throw new IllegalStateException("statefulset " + statefulSet.getMetadata().getName() + " has no matchLabels selector");
        }
        return labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().collect(Collectors.joining(","));
    }
}
