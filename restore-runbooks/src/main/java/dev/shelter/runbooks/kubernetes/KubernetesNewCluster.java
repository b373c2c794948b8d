package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.cluster.ClusterTargetException;
import dev.shelter.runbooks.cluster.KubernetesTarget;
import dev.shelter.runbooks.cluster.VolumeJobs.JobOutcome;
import dev.shelter.runbooks.cluster.VolumeJobs.VolumeJob;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.restore.NewClusterOrder;
import dev.shelter.runbooks.restore.NewClusterPlacement;
import dev.shelter.runbooks.restore.RestoreRefusedException;
import dev.shelter.storage.snapshot.SnapshotException;
import dev.shelter.storage.snapshot.VolumeSnapshotter;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PersistentVolume;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaimSpec;
import io.kubernetes.client.openapi.models.V1PersistentVolumeSpec;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V1StatefulSetSpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A restore into a new cluster on Kubernetes with RBD volumes: each snapshot of the backup is
 * cloned into an image of its own; a static ceph-csi volume of that image (made like the source's,
 * Retain) is pre-bound to the claim the new StatefulSet's ordinal 0 mounts
 * ({@code <template>-<name>-0} in the new namespace), the claim is created, then a headless Service
 * of the new name, and last a copy of the source's StatefulSet under the new name and namespace
 * (governed by that Service), at zero replicas. Never in the source's namespace: the copy's pods
 * carry the source's labels. A restore-prepare job on
 * the new claim makes it a cluster of its own. The source's StatefulSet, claims and images are only
 * read. Everything made carries the label {@value #NEW_CLUSTER_OF}, and the order of the steps
 * (images, volumes, claims, StatefulSet last) lets a resumed restore or a teardown find what a
 * crash left.
 */
public final class KubernetesNewCluster implements NewClusterPlacement {

    static final String NEW_CLUSTER_OF = "shelter.dev/new-cluster-of";
    static final String CONFIGURED = "shelter.dev/configured";
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(5);

    /** Where the new cluster goes: its namespace and name, and its pods' PostgreSQL port if not the source's. */
    public record Place(String namespace, String name, OptionalInt port) {
        public Place {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(port, "port");
        }
    }

    private final ApiClient client;
    private final CoreV1Api core;
    private final AppsV1Api apps;
    private final KubernetesTarget source;
    private final Map<String, String> templateByVolume;
    private final Place place;
    private final VolumeSnapshotter snapshotter;
    private final KubernetesClusterControl jobs;
    private final KubernetesRecoveryFiles.ShelterImage shelter;
    private final String pgdataPath;

    /**
     * @param templateByVolume per volume of the source's spec (by name), its claim template
     * @param pgdataPath       where PGDATA is inside the pgdata claim, relative ("" for its root)
     */
    public KubernetesNewCluster(ApiClient client, KubernetesTarget source, Map<String, String> templateByVolume, Place place,
                                VolumeSnapshotter snapshotter, KubernetesRecoveryFiles.ShelterImage shelter, String pgdataPath) {
        this.client = Objects.requireNonNull(client, "client");
        this.core = new CoreV1Api(client);
        this.apps = new AppsV1Api(client);
        this.source = Objects.requireNonNull(source, "source");
        this.templateByVolume = Map.copyOf(templateByVolume);
        this.place = Objects.requireNonNull(place, "place");
        this.snapshotter = Objects.requireNonNull(snapshotter, "snapshotter");
        this.jobs = new KubernetesClusterControl(client, new KubernetesTarget(place.namespace(), place.name()));
        this.shelter = Objects.requireNonNull(shelter, "shelter");
        this.pgdataPath = Objects.requireNonNull(pgdataPath, "pgdataPath");
    }

    /** The claim of the new StatefulSet's ordinal 0 for a volume of the spec. */
    public String claimOf(String volume) {
        return template(volume) + "-" + place.name() + "-0";
    }

    @Override
    public void requirePlaceable(BackupManifest backup) {
        if (place.namespace().equals(source.namespace())) {
            throw new RestoreRefusedException("a new cluster goes into another namespace than " + source.namespace() + ": there, its pods "
                    + "would carry the source's labels, and the source's selector and Services would take them for the source's");
        }
        if (backup.snapshots().stream().noneMatch(s -> s.role() == VolumeRole.PGDATA)) {
            throw new RestoreRefusedException("backup " + backup.id() + " has no PGDATA snapshot");
        }
        for (VolumeSnapshot snapshot : backup.snapshots()) {
            template(snapshot.name());
        }
        if (ApiCall.readOrEmpty("read namespace " + place.namespace(), () -> core.readNamespace(place.namespace()).execute()).isEmpty()) {
            throw new RestoreRefusedException("namespace " + place.namespace() + " does not exist; Shelter makes none (bind its Role "
                    + "of deploy/kubernetes/rbac.yaml in the one you make)");
        }
        if (readStatefulSet().isPresent() || readService().isPresent()) {
            throw new RestoreRefusedException("statefulset or service " + place.namespace() + "/" + place.name() + " exists already; name "
                    + "one that does not");
        }
        for (VolumeSnapshot snapshot : backup.snapshots()) {
            String claim = claimOf(snapshot.name());
            if (readClaim(claim).isPresent() || readVolume(volumeName(claim)).isPresent() || imageExists(imageOf(claim))) {
                throw new RestoreRefusedException("claim " + place.namespace() + "/" + claim + ", its volume or its image exists "
                        + "already: another cluster of that name was there");
            }
        }
        sourceStatefulSet();
    }

    @Override
    public boolean isCloned() {
        return readStatefulSet().isPresent();
    }

    /** Images, volumes, claims, then the StatefulSet: each made only if missing, so a resumed clone finishes. */
    @Override
    public void cloneFrom(BackupManifest backup) {
        for (VolumeSnapshot snapshot : backup.snapshots()) {
            String claim = claimOf(snapshot.name());
            String image = imageOf(claim);
            if (!imageExists(image)) {
                snapshotter.cloneSnapshot(snapshot.ref(), image);
            }
            String sourceClaim = template(snapshot.name()) + "-" + source.statefulSet() + "-0";
            V1PersistentVolumeClaim asTheSource = readClaimIn(source.namespace(), sourceClaim).orElseThrow(() -> new IllegalStateException(
                    "claim " + source.namespace() + "/" + sourceClaim + " of the source is gone: the new claim is made like it"));
            if (readVolume(volumeName(claim)).isEmpty()) {
                String sourceVolume = asTheSource.getSpec().getVolumeName();
                V1PersistentVolume like = readVolume(sourceVolume).orElseThrow(() -> new IllegalStateException("volume " + sourceVolume
                        + " of claim " + source.namespace() + "/" + sourceClaim + " is gone: the new volume is made like it"));
                createVolume(claim, image, like);
            }
            if (readClaim(claim).isEmpty()) {
                createClaim(claim, asTheSource);
            }
        }
        if (readService().isEmpty()) {
            createService();
        }
        if (readStatefulSet().isEmpty()) {
            createStatefulSet();
        }
    }

    @Override
    public void detachFrom(BackupManifest backup) {
        for (VolumeSnapshot snapshot : backup.snapshots()) {
            snapshotter.detachClone(imageOf(claimOf(snapshot.name())));
        }
    }

    @Override
    public boolean isConfigured() {
        return readStatefulSet().map(s -> s.getMetadata().getAnnotations() != null
                && "true".equals(s.getMetadata().getAnnotations().get(CONFIGURED))).orElse(false);
    }

    @Override
    public void configure(String clusterName, String archiveCommand) {
        NewClusterOrder order = new NewClusterOrder(source.namespace() + "/" + source.statefulSet(), clusterName, place.port(),
                archiveCommand);
        String name = KubernetesClusterControl.jobName("shelter-new-cluster-");
        String claim = claimOf(pgdataVolume());
        List<String> command = new ArrayList<>(shelter.command());
        command.addAll(List.of("restore-prepare", "--pgdata", KubernetesClusterControl.JOB_MOUNT + (pgdataPath.isEmpty() ? ""
                : "/" + pgdataPath), "--new-cluster", order.encode()));
        JobOutcome outcome = jobs.runWithVolume(new VolumeJob(name, claim, KubernetesClusterControl.JOB_MOUNT, shelter.image(), command),
                JOB_TIMEOUT);
        if (!outcome.succeeded()) {
            throw new ClusterTargetException(ClusterTargetException.Reason.UNAVAILABLE, "the restore-prepare job " + name + " on claim "
                    + place.namespace() + "/" + claim + " failed; its log: " + KubernetesClusterControl.tail(outcome.log()));
        }
        order.checkReport(outcome.log());
        jobs.annotate(Map.of(CONFIGURED, Optional.of("true")));
    }

    @Override
    public boolean exists() {
        if (readStatefulSet().isPresent() || readService().isPresent()) {
            return true;
        }
        for (String volume : templateByVolume.keySet()) {
            String claim = claimOf(volume);
            if (readClaim(claim).isPresent() || readVolume(volumeName(claim)).isPresent() || imageExists(imageOf(claim))) {
                return true;
            }
        }
        return false;
    }

    /** The StatefulSet (at zero: its pods must be gone), its Service, the claims, then their volumes and images. */
    @Override
    public void remove() {
        if (readStatefulSet().isPresent()) {
            if (!jobs.members().isEmpty()) {
                throw new IllegalStateException("statefulset " + place.namespace() + "/" + place.name() + " still has pods; scale it to 0 "
                        + "before it is removed");
            }
            ApiCall.run("delete statefulset " + place.namespace() + "/" + place.name(),
                    () -> apps.deleteNamespacedStatefulSet(place.name(), place.namespace()).execute());
        }
        if (readService().isPresent()) {
            deleteService();
        }
        for (String volume : templateByVolume.keySet()) {
            String claim = claimOf(volume);
            if (readClaim(claim).isPresent()) {
                ApiCall.run("delete persistentvolumeclaim " + place.namespace() + "/" + claim,
                        () -> core.deleteNamespacedPersistentVolumeClaim(claim, place.namespace()).execute());
            }
        }
        for (String volume : templateByVolume.keySet()) {
            String claim = claimOf(volume);
            Deletions.awaitGone("claim " + place.namespace() + "/" + claim, () -> readClaim(claim).isPresent(),
                    "does a pod still use it?");
        }
        for (String volume : templateByVolume.keySet()) {
            String claim = claimOf(volume);
            if (readVolume(volumeName(claim)).isPresent()) {
                ApiCall.run("delete persistentvolume " + volumeName(claim), () -> core.deletePersistentVolume(volumeName(claim)).execute());
            }
        }
        // A volume keeps pv-protection's finalizer for a while after its deletion; removed means gone, and its image goes after it.
        for (String volume : templateByVolume.keySet()) {
            String claim = claimOf(volume);
            Deletions.awaitGone("persistentvolume " + volumeName(claim), () -> readVolume(volumeName(claim)).isPresent(),
                    "is a claim that a pod uses still bound to it?");
            snapshotter.removeVolume(imageOf(claim));
        }
    }

    /** The namespace, StatefulSet and pod (its DNS name is {@code <pod>.<statefulSet>.<namespace>.svc}). */
    @Override
    public Map<String, String> reach() {
        Map<String, String> reach = new LinkedHashMap<>();
        reach.put("namespace", place.namespace());
        reach.put("statefulSet", place.name());
        reach.put("pod", place.name() + "-0");
        return reach;
    }

    @Override
    public String describe() {
        return "statefulset " + place.namespace() + "/" + place.name() + " on clones of the backup's images";
    }

    private String pgdataVolume() {
        return templateByVolume.keySet().stream().filter(v -> v.equals("pgdata")).findFirst()
                .orElse(templateByVolume.keySet().iterator().next());
    }

    private String template(String volume) {
        String template = templateByVolume.get(volume);
        if (template == null) {
            throw new RestoreRefusedException("the backup's volume " + volume + " is not a volume of " + source + " "
                    + templateByVolume.keySet());
        }
        return template;
    }

    /** Named after the new claim, so that every name follows from the request. */
    private String imageOf(String claim) {
        return "new-" + place.namespace() + "-" + claim;
    }

    private String volumeName(String claim) {
        return "shelter-new-" + place.namespace() + "-" + claim;
    }

    private boolean imageExists(String image) {
        try {
            snapshotter.listSnapshots(image);
            return true;
        } catch (SnapshotException e) {
            if (e.reason() == SnapshotException.Reason.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    private Map<String, String> labels(Map<String, String> from) {
        Map<String, String> labels = new LinkedHashMap<>(from == null ? Map.of() : from);
        labels.put(NEW_CLUSTER_OF, source.namespace() + "." + source.statefulSet());
        return labels;
    }

    /** A static ceph-csi volume of the clone's image, like the source's in everything else, pre-bound to the new claim. */
    private void createVolume(String claim, String image, V1PersistentVolume like) {
        V1PersistentVolumeSpec spec = VolumeClaims.staticVolumeOf(client, like, image, place.namespace(), claim);
        V1PersistentVolume volume = new V1PersistentVolume().apiVersion("v1").kind("PersistentVolume")
                .metadata(new V1ObjectMeta().name(volumeName(claim)).labels(labels(like.getMetadata().getLabels())))
                .spec(spec);
        ApiCall.run("create persistentvolume " + volumeName(claim), () -> core.createPersistentVolume(volume).execute());
    }

    private void createClaim(String claim, V1PersistentVolumeClaim like) {
        V1PersistentVolumeClaimSpec spec = client.getJSON().deserialize(client.getJSON().serialize(like.getSpec()),
                V1PersistentVolumeClaimSpec.class);
        V1PersistentVolumeClaim created = new V1PersistentVolumeClaim().apiVersion("v1").kind("PersistentVolumeClaim")
                .metadata(new V1ObjectMeta().name(claim).namespace(place.namespace()).labels(labels(like.getMetadata().getLabels())))
                .spec(spec.volumeName(volumeName(claim)));
        ApiCall.run("create persistentvolumeclaim " + place.namespace() + "/" + claim,
                () -> core.createNamespacedPersistentVolumeClaim(place.namespace(), created).execute());
    }

    /**
     * The copy's governing Service, headless, of the new name: its pods' DNS names
     * ({@code <name>-0.<name>.<namespace>.svc}) are how Shelter and clients reach them.
     */
    private void createService() {
        V1StatefulSet like = sourceStatefulSet();
        V1ServiceSpec spec = new V1ServiceSpec().clusterIP("None").publishNotReadyAddresses(true)
                .selector(like.getSpec().getSelector().getMatchLabels());
        for (V1ContainerPort port : containerPorts(like)) {
            spec.addPortsItem(new V1ServicePort().name(port.getName()).port(place.port().orElse(port.getContainerPort())));
        }
        V1Service service = new V1Service().apiVersion("v1").kind("Service")
                .metadata(new V1ObjectMeta().name(place.name()).namespace(place.namespace()).labels(labels(like.getMetadata().getLabels())))
                .spec(spec);
        ApiCall.run("create service " + place.namespace() + "/" + place.name(),
                () -> core.createNamespacedService(place.namespace(), service).execute());
    }

    /** Read raw: older API servers answer a Status, not the Service, which the typed call cannot read. */
    private void deleteService() {
        String what = "delete service " + place.namespace() + "/" + place.name();
        try (okhttp3.Response response = core.deleteNamespacedService(place.name(), place.namespace()).buildCall(null).execute()) {
            if (!response.isSuccessful() && response.code() != 404) {
                throw new ClusterTargetException(ClusterTargetException.Reason.UNAVAILABLE, what + ": HTTP " + response.code() + " "
                        + (response.body() == null ? "" : response.body().string()));
            }
        } catch (ApiException | java.io.IOException e) {
            throw new ClusterTargetException(ClusterTargetException.Reason.UNAVAILABLE, what + ": " + e.getMessage(), e);
        }
    }

    private static List<V1ContainerPort> containerPorts(V1StatefulSet statefulSet) {
        V1Container container = statefulSet.getSpec().getTemplate().getSpec().getContainers().get(0);
        List<V1ContainerPort> ports = container.getPorts() == null ? List.of() : container.getPorts();
        return ports.stream().filter(p -> "postgresql".equals(p.getName())).findFirst().map(List::of)
                .orElse(ports.stream().limit(1).toList());
    }

    /** The source's, at zero replicas, under the new name and Service; its pods' PostgreSQL port changed if the place names one. */
    private void createStatefulSet() {
        V1StatefulSet like = sourceStatefulSet();
        V1StatefulSetSpec spec = client.getJSON().deserialize(client.getJSON().serialize(like.getSpec()), V1StatefulSetSpec.class);
        spec.replicas(0).serviceName(place.name());
        if (place.port().isPresent()) {
            containerPorts(new V1StatefulSet().spec(spec)).forEach(p -> p.containerPort(place.port().getAsInt()));
        }
        if (spec.getTemplate().getSpec() != null) {
            spec.getTemplate().getSpec().setOverhead(null); // older API servers refuse the empty "overhead" the client sends
        }
        V1StatefulSet created = new V1StatefulSet().apiVersion("apps/v1").kind("StatefulSet")
                .metadata(new V1ObjectMeta().name(place.name()).namespace(place.namespace()).labels(labels(like.getMetadata().getLabels())))
                .spec(spec);
        ApiCall.run("create statefulset " + place.namespace() + "/" + place.name(),
                () -> apps.createNamespacedStatefulSet(place.namespace(), created).execute());
    }

    private V1StatefulSet sourceStatefulSet() {
        return ApiCall.run("read statefulset " + source, () -> apps.readNamespacedStatefulSet(source.statefulSet(), source.namespace())
                .execute());
    }

    private Optional<V1Service> readService() {
        return ApiCall.readOrEmpty("read service " + place.namespace() + "/" + place.name(),
                () -> core.readNamespacedService(place.name(), place.namespace()).execute());
    }

    private Optional<V1StatefulSet> readStatefulSet() {
        return ApiCall.readOrEmpty("read statefulset " + place.namespace() + "/" + place.name(),
                () -> apps.readNamespacedStatefulSet(place.name(), place.namespace()).execute());
    }

    private Optional<V1PersistentVolumeClaim> readClaim(String claim) {
        return readClaimIn(place.namespace(), claim);
    }

    private Optional<V1PersistentVolumeClaim> readClaimIn(String namespace, String claim) {
        return ApiCall.readOrEmpty("read persistentvolumeclaim " + namespace + "/" + claim,
                () -> core.readNamespacedPersistentVolumeClaim(claim, namespace).execute());
    }

    private Optional<V1PersistentVolume> readVolume(String name) {
        return ApiCall.readOrEmpty("read persistentvolume " + name, () -> core.readPersistentVolume(name).execute());
    }
}
