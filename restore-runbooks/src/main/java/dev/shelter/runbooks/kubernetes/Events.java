package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.cluster.ClusterEvent;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1EventSource;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import io.kubernetes.client.openapi.models.V1StatefulSet;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;

/** Kubernetes Events about a StatefulSet, as {@code kubectl describe} shows them, from component "shelter". */
final class Events {

    static final String COMPONENT = "shelter";

    private final CoreV1Api core;

    Events(ApiClient client) {
        this.core = new CoreV1Api(client);
    }

    void record(V1StatefulSet about, ClusterEvent event) {
        String namespace = about.getMetadata().getNamespace();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        CoreV1Event body = new CoreV1Event()
                .metadata(new V1ObjectMeta().generateName(about.getMetadata().getName() + ".shelter.").namespace(namespace))
                .involvedObject(new V1ObjectReference().apiVersion("apps/v1").kind("StatefulSet").namespace(namespace)
                        .name(about.getMetadata().getName()).uid(about.getMetadata().getUid()))
                .type(event.type() == ClusterEvent.Type.NORMAL ? "Normal" : "Warning")
                .reason(event.reason())
                .message(event.message())
                .source(new V1EventSource().component(COMPONENT))
                .firstTimestamp(now).lastTimestamp(now).count(1);
        ApiCall.run("record event " + event.reason().toLowerCase(Locale.ROOT) + " on statefulset " + namespace + "/"
                + about.getMetadata().getName(), () -> core.createNamespacedEvent(namespace, body).execute());
    }
}
