package dev.shelter.runbooks.kubernetes;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Eviction;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import okhttp3.Call;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/** The Pod calls Shelter makes: list by selector, wait on a watch, evict, read a log. */
final class Pods {

    private final ApiClient client;
    private final CoreV1Api core;
    private final Watches watches;

    Pods(ApiClient client) {
        this.client = client;
        this.core = new CoreV1Api(client);
        this.watches = new Watches(client);
    }

    List<V1Pod> list(String namespace, String selector) {
        return ApiCall.run("list pods " + selector + " in " + namespace, () -> listed(namespace, selector).items());
    }

    /** Waits until the pods matching {@code selector} satisfy {@code done}, and returns them. */
    List<V1Pod> waitFor(String namespace, String selector, String what, Duration timeout, Predicate<List<V1Pod>> done,
                        Function<List<V1Pod>, String> describe) {
        return watches.waitFor(what, timeout, () -> listed(namespace, selector),
                (resourceVersion, seconds) -> watchCall(namespace, selector, resourceVersion, seconds), done, describe);
    }

    /**
     * Asks the Eviction API to evict the pod, which honours PodDisruptionBudgets. Returns false when
     * a budget refuses it for now (429); true when evicted or already gone.
     */
    boolean evict(String namespace, String name) {
        // policy/v1 Eviction arrived in 1.22; v1beta1 is what every server from 1.20 accepts.
        V1Eviction eviction = new V1Eviction().apiVersion("policy/v1beta1").kind("Eviction")
                .metadata(new V1ObjectMeta().name(name).namespace(namespace));
        try {
            // The server answers with a Status, not the Eviction the generated method would parse.
            client.execute(core.createNamespacedPodEviction(name, namespace, eviction).buildCall(null));
            return true;
        } catch (ApiException e) {
            if (ApiFailures.isNotFound(e)) {
                return true;
            }
            if (e.getCode() == 429) {
                return false;
            }
            throw ApiFailures.translate(e, "evict pod " + namespace + "/" + name);
        }
    }

    String log(String namespace, String name) {
        return ApiCall.run("read the log of pod " + namespace + "/" + name,
                () -> core.readNamespacedPodLog(name, namespace).tailLines(200).execute());
    }

    static boolean isReady(V1Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null
                || pod.getStatus().getConditions() == null) {
            return false;
        }
        return pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static String describe(List<V1Pod> pods) {
        if (pods.isEmpty()) {
            return "no pods";
        }
        StringBuilder text = new StringBuilder();
        for (V1Pod pod : pods) {
            if (text.length() > 0) {
                text.append(", ");
            }
            text.append(pod.getMetadata().getName()).append(" (")
                    .append(pod.getMetadata().getDeletionTimestamp() != null ? "terminating"
                            : isReady(pod) ? "ready" : pod.getStatus() == null ? "pending" : pod.getStatus().getPhase())
                    .append(pod.getSpec().getNodeName() == null ? "" : " on " + pod.getSpec().getNodeName()).append(')');
        }
        return text.toString();
    }

    private Watches.Listed<List<V1Pod>> listed(String namespace, String selector) throws ApiException {
        V1PodList list = core.listNamespacedPod(namespace).labelSelector(selector).execute();
        List<V1Pod> pods = list.getItems().stream().sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList();
        return new Watches.Listed<>(pods, list.getMetadata().getResourceVersion());
    }

    private Call watchCall(String namespace, String selector, String resourceVersion, int seconds) throws ApiException {
        return core.listNamespacedPod(namespace).labelSelector(selector).resourceVersion(resourceVersion)
                .watch(true).timeoutSeconds(seconds).buildCall(null);
    }
}
