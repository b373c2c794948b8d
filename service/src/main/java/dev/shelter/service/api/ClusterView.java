package dev.shelter.service.api;

import dev.shelter.runbooks.cluster.ClusterSpec;
import dev.shelter.runbooks.cluster.KubernetesTarget;
import dev.shelter.runbooks.cluster.LocalTarget;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A configured cluster as the API shows it: no secrets. */
public record ClusterView(String name, TargetView target, PostgresView postgres, List<VolumeView> volumes) {

    public record TargetView(String kind, Map<String, String> location) {
    }

    public record PostgresView(String jdbcUrl, String user) {
    }

    public record VolumeView(String role, String name, String source) {
    }

    public static ClusterView of(ClusterSpec spec) {
        Map<String, String> location;
        if (spec.target() instanceof LocalTarget local) {
            location = Map.of("dataDirectory", local.dataDirectory().toString(), "binDirectory", local.binDirectory().toString());
        } else {
            KubernetesTarget k8s = (KubernetesTarget) spec.target();
            location = Map.of("namespace", k8s.namespace(), "statefulSet", k8s.statefulSet());
        }
        return new ClusterView(spec.name().value(),
                new TargetView(spec.target().kind(), location),
                new PostgresView(spec.postgres().jdbcUrl(), spec.postgres().user()),
                spec.volumes().stream()
                        .map(v -> new VolumeView(v.role().name().toLowerCase(Locale.ROOT), v.name(), v.source()))
                        .toList());
    }
}
