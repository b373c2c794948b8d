package dev.shelter.testing;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1CSIPersistentVolumeSource;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import io.kubernetes.client.openapi.models.V1PersistentVolume;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaimSpec;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaimVolumeSource;
import io.kubernetes.client.openapi.models.V1PersistentVolumeSpec;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V1Volume;
import io.kubernetes.client.openapi.models.V1VolumeResourceRequirements;
import io.kubernetes.client.util.PatchUtils;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Plays, for one namespace of a bare kube-apiserver, the parts of a cluster that it lacks: the
 * StatefulSet controller (pods and claims per ordinal), a provisioner (ceph-csi-like PVs, one RBD
 * image each), the scheduler (first schedulable node) and the kubelet of every test node. Its
 * kubelet runs a real PostgreSQL per pod whose PGDATA is on the pod's RBD image (rbd-fuse, loop,
 * ext4, through deploy/local/rbd-volume), marks the pod Ready once PostgreSQL answers SQL, and on
 * deletion stops PostgreSQL and unmounts down to rbd-fuse's exit before it removes the pod: so a
 * pod that is gone has released its image's exclusive lock, as on a real node. It also runs Jobs:
 * their command runs on this machine with the claim bind-mounted at the container's mountPath. Their
 * output, and each pod's PostgreSQL log, is served as the kubelet serves container logs, so that
 * {@code pods/log} through the API server answers ({@link KubeletLogServer}).
 *
 * <p>Pods use the first container's port ("postgresql", plus the ordinal) and its POSTGRES_PASSWORD.
 * Test code only; it polls, which is simple and fast enough at this scale.
 */
public final class TestKubelet implements AutoCloseable {

    /** ceph-csi's driver name, as Rook registers it without an operator-namespace prefix. */
    public static final String CSI_DRIVER = "rbd.csi.ceph.com";
    private static final Duration TICK = Duration.ofMillis(200);

    private final ApiClient client;
    private final CoreV1Api core;
    private final AppsV1Api apps;
    private final BatchV1Api batch;
    private final String namespace;
    private final List<String> nodes;
    private final PostgresBinaries binaries;
    private final String pool;
    private final Path workDirectory;
    private final Map<String, RunningPod> running = new ConcurrentHashMap<>();
    private final Set<String> finishedJobPods = ConcurrentHashMap.newKeySet();
    private final Set<String> images = ConcurrentHashMap.newKeySet();
    private final Thread loop;
    /** Null when another kubelet's server serves this one's logs. */
    private final KubeletLogServer logs;
    /** Kubelets of other namespaces whose logs this one's server serves. */
    private final List<TestKubelet> alsoServing = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean stopping;
    private volatile String lastError = "";

    /** What the kubelet runs for a pod: its PostgreSQL and the volumes mounted for it. */
    private record RunningPod(String uid, String name, String node, PostgresInstance postgres, List<RbdVolume> volumes) {
    }

    public TestKubelet(ApiClient client, String namespace, List<String> nodes, PostgresBinaries binaries, String pool,
                       Path workDirectory) {
        this(client, namespace, nodes, binaries, pool, workDirectory, null);
    }

    /**
     * A kubelet for one more namespace on the same nodes: a node advertises one kubelet port, so its
     * pods' and jobs' logs are served by {@code logsThrough}'s server (null: a server of its own).
     */
    public TestKubelet(ApiClient client, String namespace, List<String> nodes, PostgresBinaries binaries, String pool,
                       Path workDirectory, TestKubelet logsThrough) {
        this.client = client;
        this.core = new CoreV1Api(client);
        this.apps = new AppsV1Api(client);
        this.batch = new BatchV1Api(client);
        this.namespace = namespace;
        this.nodes = List.copyOf(nodes);
        this.binaries = binaries;
        this.pool = pool;
        this.workDirectory = workDirectory;
        if (logsThrough == null) {
            this.logs = new KubeletLogServer(workDirectory, this::logOf);
            advertiseLogs();
        } else {
            this.logs = null;
            logsThrough.alsoServing.add(this);
        }
        this.loop = new Thread(this::run, "test-kubelet-" + namespace);
        loop.setDaemon(true);
        loop.start();
    }

    /** The images the provisioner made, for the test to remove. */
    public Set<String> images() {
        return Set.copyOf(images);
    }

    /** The last reconcile failure, for assertion messages. */
    public String lastError() {
        return lastError;
    }

    /** True while the kubelet runs a PostgreSQL for a pod of that name (on any node). */
    public boolean runsPostgresFor(String podName) {
        return running.values().stream().anyMatch(pod -> pod.name().equals(podName) && pod.postgres().isRunning());
    }

    /** Where the pod's PostgreSQL archives WAL (its archive_command copies there). */
    public Path archiveDirectoryOf(String podName) {
        return workDirectory.resolve("homes").resolve(podName).resolve("archive");
    }

    /** The mounted volumes of a pod of that name (empty once it is torn down). */
    public List<RbdVolume> volumesOf(String podName) {
        return running.values().stream().filter(pod -> pod.name().equals(podName)).flatMap(pod -> pod.volumes().stream())
                .toList();
    }

    @Override
    public void close() {
        stopping = true;
        loop.interrupt();
        try {
            loop.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (RunningPod pod : List.copyOf(running.values())) {
            tearDown(pod);
        }
        if (logs != null) {
            logs.close();
        }
    }

    /** Where the API server finds this kubelet: every test node's InternalIP and kubelet port. */
    private void advertiseLogs() {
        V1Patch status = new V1Patch("{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"}],"
                + "\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":" + logs.port() + "}}}}");
        for (String node : nodes) {
            try {
                PatchUtils.patch(V1Node.class, () -> core.patchNodeStatus(node, status).buildCall(null),
                        V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, client);
            } catch (ApiException e) {
                logs.close();
                throw new IllegalStateException("advertise the kubelet's port on node " + node + ": " + e.getResponseBody(), e);
            }
        }
    }

    /** A job pod's output, or the PostgreSQL log of a pod the kubelet runs. */
    private Optional<Path> logOf(String podNamespace, String pod) {
        if (!namespace.equals(podNamespace)) {
            return alsoServing.stream().map(other -> other.logOf(podNamespace, pod)).flatMap(Optional::stream).findFirst();
        }
        Path jobLog = workDirectory.resolve("job-logs").resolve(pod + ".log");
        if (Files.exists(jobLog)) {
            return Optional.of(jobLog);
        }
        return running.values().stream().filter(p -> p.name().equals(pod)).findFirst().map(p -> p.postgres().logFile());
    }

    private void run() {
        while (!stopping) {
            try {
                reconcileStatefulSets();
                reconcileJobs();
                reconcilePods();
                releaseDeletedClaims();
                releaseDeletedVolumes();
            } catch (ApiException e) {
                lastError = "API " + e.getCode() + ": " + e.getResponseBody();
            } catch (RuntimeException e) {
                lastError = e.toString();
            }
            try {
                Thread.sleep(TICK.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * The pvc-protection controller: a claim being deleted keeps its finalizer while a pod of the
     * namespace uses it, and loses it once none does.
     */
    private void releaseDeletedClaims() throws ApiException {
        for (V1PersistentVolumeClaim claim : core.listNamespacedPersistentVolumeClaim(namespace).execute().getItems()) {
            if (claim.getMetadata().getDeletionTimestamp() == null || claim.getMetadata().getFinalizers() == null
                    || claim.getMetadata().getFinalizers().isEmpty()) {
                continue;
            }
            String name = claim.getMetadata().getName();
            boolean used = core.listNamespacedPod(namespace).execute().getItems().stream().anyMatch(pod -> pod.getSpec().getVolumes()
                    != null && pod.getSpec().getVolumes().stream().anyMatch(v -> v.getPersistentVolumeClaim() != null
                    && name.equals(v.getPersistentVolumeClaim().getClaimName())));
            if (!used) {
                PatchUtils.patch(V1PersistentVolumeClaim.class, () -> core.patchNamespacedPersistentVolumeClaim(name, namespace,
                        new V1Patch("{\"metadata\":{\"finalizers\":null}}")).buildCall(null), V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                        client);
            }
        }
    }

    /**
     * The pv-protection controller, for this namespace's volumes: a volume being deleted keeps its
     * finalizer while a claim that a pod uses is bound to it, and loses it once none is.
     */
    private void releaseDeletedVolumes() throws ApiException {
        for (V1PersistentVolume volume : core.listPersistentVolume().labelSelector("shelter.test/namespace=" + namespace).execute()
                .getItems()) {
            if (volume.getMetadata().getDeletionTimestamp() == null || volume.getMetadata().getFinalizers() == null
                    || volume.getMetadata().getFinalizers().isEmpty()) {
                continue;
            }
            String name = volume.getMetadata().getName();
            Set<String> claimsOnIt = new java.util.HashSet<>();
            for (V1PersistentVolumeClaim claim : core.listNamespacedPersistentVolumeClaim(namespace).execute().getItems()) {
                if (name.equals(claim.getSpec().getVolumeName())) {
                    claimsOnIt.add(claim.getMetadata().getName());
                }
            }
            boolean used = core.listNamespacedPod(namespace).execute().getItems().stream().anyMatch(pod -> pod.getSpec().getVolumes()
                    != null && pod.getSpec().getVolumes().stream().anyMatch(v -> v.getPersistentVolumeClaim() != null
                    && claimsOnIt.contains(v.getPersistentVolumeClaim().getClaimName())));
            if (!used) {
                PatchUtils.patch(V1PersistentVolume.class, () -> core.patchPersistentVolume(name,
                        new V1Patch("{\"metadata\":{\"finalizers\":null}}")).buildCall(null), V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                        client);
            }
        }
    }

    // ---- the StatefulSet controller, provisioner and scheduler ----

    private void reconcileStatefulSets() throws ApiException {
        for (V1StatefulSet statefulSet : apps.listNamespacedStatefulSet(namespace).execute().getItems()) {
            String name = statefulSet.getMetadata().getName();
            Integer replicas = statefulSet.getSpec().getReplicas();
            int desired = replicas == null ? 0 : replicas;
            Map<String, V1Pod> pods = new java.util.HashMap<>();
            for (V1Pod pod : core.listNamespacedPod(namespace).labelSelector("!job-name").execute().getItems()) {
                pods.put(pod.getMetadata().getName(), pod);
            }
            int ready = 0;
            int existing = 0;
            for (int ordinal = 0; ordinal < Math.max(desired, pods.size() + desired); ordinal++) {
                String podName = name + "-" + ordinal;
                V1Pod pod = pods.get(podName);
                if (ordinal < desired && pod == null) {
                    createPod(statefulSet, ordinal);
                } else if (ordinal >= desired && pod != null && pod.getMetadata().getDeletionTimestamp() == null) {
                    core.deleteNamespacedPod(podName, namespace).execute();
                }
                if (pod != null) {
                    existing++;
                    if (isReady(pod)) {
                        ready++;
                    }
                }
            }
            V1Patch status = new V1Patch("{\"status\":{\"replicas\":" + existing + ",\"readyReplicas\":" + ready
                    + ",\"currentReplicas\":" + existing + ",\"observedGeneration\":"
                    + statefulSet.getMetadata().getGeneration() + "}}");
            PatchUtils.patch(V1StatefulSet.class,
                    () -> apps.patchNamespacedStatefulSetStatus(name, namespace, status).buildCall(null),
                    V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, client);
        }
    }

    private void createPod(V1StatefulSet statefulSet, int ordinal) throws ApiException {
        Optional<String> node = schedulableNode();
        if (node.isEmpty()) {
            return;
        }
        String name = statefulSet.getMetadata().getName() + "-" + ordinal;
        V1PodSpec spec = client.getJSON().deserialize(client.getJSON().serialize(statefulSet.getSpec().getTemplate().getSpec()),
                V1PodSpec.class);
        if (statefulSet.getSpec().getVolumeClaimTemplates() != null) {
            for (V1PersistentVolumeClaim template : statefulSet.getSpec().getVolumeClaimTemplates()) {
                String claim = template.getMetadata().getName() + "-" + name;
                provisionClaim(claim);
                spec.addVolumesItem(new V1Volume().name(template.getMetadata().getName())
                        .persistentVolumeClaim(new V1PersistentVolumeClaimVolumeSource().claimName(claim)));
            }
        }
        spec.setNodeName(node.get());
        spec.setOverhead(null); // 1.20 refuses the "overhead": {} client-java sends
        Map<String, String> labels = new java.util.HashMap<>(statefulSet.getSpec().getTemplate().getMetadata().getLabels());
        labels.put("statefulset.kubernetes.io/pod-name", name);
        V1Pod pod = new V1Pod().apiVersion("v1").kind("Pod")
                .metadata(new V1ObjectMeta().name(name).namespace(namespace).labels(labels))
                .spec(spec);
        core.createNamespacedPod(namespace, pod).execute();
    }

    /** A claim bound at birth to a ceph-csi-like PV of its own image (created on first attach). */
    private void provisionClaim(String claim) throws ApiException {
        try {
            core.readNamespacedPersistentVolumeClaim(claim, namespace).execute();
            return;
        } catch (ApiException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
        String id = UUID.randomUUID().toString();
        String image = "csi-vol-" + id;
        String pvName = "pvc-" + id;
        V1PersistentVolume pv = new V1PersistentVolume().apiVersion("v1").kind("PersistentVolume")
                .metadata(new V1ObjectMeta().name(pvName).putLabelsItem("shelter.test/namespace", namespace))
                .spec(new V1PersistentVolumeSpec().putCapacityItem("storage", Quantity.fromString("1Gi"))
                        .accessModes(List.of("ReadWriteOnce")).persistentVolumeReclaimPolicy("Retain")
                        .claimRef(new V1ObjectReference().namespace(namespace).name(claim))
                        .csi(new V1CSIPersistentVolumeSource().driver(CSI_DRIVER).volumeHandle("0001-shelter-" + id)
                                .fsType("ext4").putVolumeAttributesItem("clusterID", "shelter-test")
                                .putVolumeAttributesItem("pool", pool).putVolumeAttributesItem("imageName", image)));
        core.createPersistentVolume(pv).execute();
        images.add(image);
        V1PersistentVolumeClaim pvc = new V1PersistentVolumeClaim().apiVersion("v1").kind("PersistentVolumeClaim")
                .metadata(new V1ObjectMeta().name(claim).namespace(namespace))
                .spec(new V1PersistentVolumeClaimSpec().accessModes(List.of("ReadWriteOnce")).storageClassName("")
                        .volumeName(pvName)
                        .resources(new V1VolumeResourceRequirements().putRequestsItem("storage", Quantity.fromString("1Gi"))));
        core.createNamespacedPersistentVolumeClaim(namespace, pvc).execute();
    }

    private Optional<String> schedulableNode() throws ApiException {
        for (String name : nodes.stream().sorted().toList()) {
            V1Node node = core.readNode(name).execute();
            if (node.getSpec() == null || !Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    // ---- the Job controller ----

    /** One pod per unfinished Job; the Job's status follows its pod's phase. */
    private void reconcileJobs() throws ApiException {
        List<V1Job> jobs = batch.listNamespacedJob(namespace).execute().getItems();
        Set<String> jobNames = ConcurrentHashMap.newKeySet();
        jobs.forEach(job -> jobNames.add(job.getMetadata().getName()));
        // No garbage collector here: a deleted Job's pods go with it, as propagation would remove them.
        for (V1Pod pod : core.listNamespacedPod(namespace).labelSelector("job-name").execute().getItems()) {
            if (!jobNames.contains(pod.getMetadata().getLabels().get("job-name"))) {
                core.deleteNamespacedPod(pod.getMetadata().getName(), namespace).gracePeriodSeconds(0).execute();
            }
        }
        for (V1Job job : jobs) {
            if (job.getStatus() != null && (job.getStatus().getSucceeded() != null || job.getStatus().getFailed() != null)) {
                continue;
            }
            String name = job.getMetadata().getName();
            List<V1Pod> pods = core.listNamespacedPod(namespace).labelSelector("job-name=" + name).execute().getItems();
            if (pods.isEmpty()) {
                Optional<String> node = schedulableNode();
                if (node.isEmpty()) {
                    continue;
                }
                V1PodSpec spec = client.getJSON().deserialize(client.getJSON().serialize(job.getSpec().getTemplate().getSpec()),
                        V1PodSpec.class);
                spec.setNodeName(node.get());
                spec.setOverhead(null);
                core.createNamespacedPod(namespace, new V1Pod().apiVersion("v1").kind("Pod")
                        .metadata(new V1ObjectMeta().name(name + "-" + UUID.randomUUID().toString().substring(0, 5))
                                .namespace(namespace).putLabelsItem("job-name", name)
                                .putLabelsItem("controller-uid", job.getMetadata().getUid()))
                        .spec(spec)).execute();
                continue;
            }
            String phase = pods.get(0).getStatus() == null ? null : pods.get(0).getStatus().getPhase();
            if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
                String field = "Succeeded".equals(phase) ? "succeeded" : "failed";
                V1Patch status = new V1Patch("{\"status\":{\"" + field + "\":1}}");
                PatchUtils.patch(V1Job.class, () -> batch.patchNamespacedJobStatus(name, namespace, status).buildCall(null),
                        V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, client);
            }
        }
    }

    /**
     * Runs a Job's pod to its end: its claims attached, the first container's command run in a
     * mount namespace of its own in which the first claim is bind-mounted at the container's
     * mountPath (which must exist on this machine, /mnt say), then the claims detached again.
     */
    private void runJobPod(V1Pod pod) throws ApiException {
        String name = pod.getMetadata().getName();
        V1Container container = pod.getSpec().getContainers().get(0);
        List<RbdVolume> volumes = attachClaims(pod);
        int exit;
        Path log = workDirectory.resolve("job-logs").resolve(name + ".log");
        try {
            Files.createDirectories(log.getParent());
            String mountPath = container.getVolumeMounts().get(0).getMountPath();
            List<String> command = new ArrayList<>(List.of("unshare", "-m", "--", "sh", "-c",
                    "mount --bind \"$1\" \"$2\" && shift 2 && exec \"$@\"", "job",
                    volumes.get(0).mountPoint().toString(), mountPath));
            command.addAll(container.getCommand());
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            exit = process.isAlive() ? -1 : process.exitValue();
        } catch (IOException e) {
            exit = -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exit = -1;
        } finally {
            volumes.forEach(RbdVolume::detach);
        }
        V1Patch status = new V1Patch("{\"status\":{\"phase\":\"" + (exit == 0 ? "Succeeded" : "Failed") + "\"}}");
        PatchUtils.patch(V1Pod.class, () -> core.patchNamespacedPodStatus(name, namespace, status).buildCall(null),
                V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, client);
        finishedJobPods.add(pod.getMetadata().getUid());
    }

    // ---- the kubelet ----

    private void reconcilePods() throws ApiException {
        List<V1Pod> pods = core.listNamespacedPod(namespace).execute().getItems().stream()
                .filter(pod -> nodes.contains(pod.getSpec().getNodeName()))
                .sorted(Comparator.comparing(pod -> pod.getMetadata().getName())).toList();
        for (V1Pod pod : pods) {
            String uid = pod.getMetadata().getUid();
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                RunningPod local = running.get(uid);
                if (local != null) {
                    tearDown(local);
                }
                // Only now, with PostgreSQL stopped and every volume released, is the pod gone.
                core.deleteNamespacedPod(pod.getMetadata().getName(), namespace).gracePeriodSeconds(0).execute();
            } else if (pod.getMetadata().getLabels() != null && pod.getMetadata().getLabels().containsKey("job-name")) {
                if (!finishedJobPods.contains(uid)) {
                    runJobPod(pod);
                }
            } else if (!running.containsKey(uid)) {
                startPod(pod);
            }
        }
        Set<String> live = ConcurrentHashMap.newKeySet();
        pods.forEach(pod -> live.add(pod.getMetadata().getUid()));
        for (RunningPod local : List.copyOf(running.values())) {
            if (!live.contains(local.uid())) {
                tearDown(local); // removed behind the kubelet's back (force delete)
            }
        }
    }

    private void startPod(V1Pod pod) throws ApiException {
        String name = pod.getMetadata().getName();
        V1Container container = pod.getSpec().getContainers().get(0);
        int ordinal = Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
        int port = container.getPorts().stream().filter(p -> "postgresql".equals(p.getName()))
                .map(V1ContainerPort::getContainerPort).findFirst()
                .orElse(container.getPorts().get(0).getContainerPort()) + ordinal;
        String password = container.getEnv() == null ? "postgres" : container.getEnv().stream()
                .filter(e -> "POSTGRES_PASSWORD".equals(e.getName())).map(V1EnvVar::getValue).findFirst().orElse("postgres");
        List<RbdVolume> volumes = attachClaims(pod);
        PostgresInstance postgres = null;
        try {
            if (volumes.isEmpty()) {
                throw new IllegalStateException("pod " + name + " has no volume for PGDATA");
            }
            Path home = workDirectory.resolve("homes").resolve(name);
            Path pgdata = volumes.get(0).mountPoint().resolve("pgdata");
            if (Files.isRegularFile(pgdata.resolve("PG_VERSION"))) {
                Files.createDirectories(home);
                PostgresInstance.chownToServerUser(home);
                postgres = PostgresInstance.existing(binaries, home, pgdata, port, password);
            } else {
                deleteRecursively(home);
                postgres = PostgresInstance.create(binaries, home, pgdata, port, password);
            }
            postgres.start();
            awaitSql(postgres);
        } catch (IOException | RuntimeException e) {
            // Leave nothing mounted behind a pod that did not start; the next tick tries again.
            if (postgres != null) {
                postgres.stop();
            }
            volumes.forEach(RbdVolume::detach);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        running.put(pod.getMetadata().getUid(),
                new RunningPod(pod.getMetadata().getUid(), name, pod.getSpec().getNodeName(), postgres, volumes));
        String now = Instant.now().toString().replaceAll("\\.\\d+Z$", "Z");
        V1Patch status = new V1Patch("{\"status\":{\"phase\":\"Running\",\"podIP\":\"127.0.0.1\",\"hostIP\":\"127.0.0.1\","
                + "\"startTime\":\"" + now + "\",\"conditions\":["
                + "{\"type\":\"PodScheduled\",\"status\":\"True\",\"lastTransitionTime\":\"" + now + "\"},"
                + "{\"type\":\"ContainersReady\",\"status\":\"True\",\"lastTransitionTime\":\"" + now + "\"},"
                + "{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"" + now + "\"}]}}");
        PatchUtils.patch(V1Pod.class, () -> core.patchNamespacedPodStatus(name, namespace, status).buildCall(null),
                V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, client);
    }

    /** Attaches (creating on first use) the RBD image behind each of the pod's claims. */
    private List<RbdVolume> attachClaims(V1Pod pod) throws ApiException {
        List<RbdVolume> volumes = new ArrayList<>();
        try {
            for (V1Volume volume : pod.getSpec().getVolumes()) {
                if (volume.getPersistentVolumeClaim() == null) {
                    continue;
                }
                String claim = volume.getPersistentVolumeClaim().getClaimName();
                String pvName = core.readNamespacedPersistentVolumeClaim(claim, namespace).execute().getSpec().getVolumeName();
                String image = core.readPersistentVolume(pvName).execute().getSpec().getCsi().getVolumeAttributes()
                        .get("imageName");
                volumes.add(RbdVolume.create(image, workDirectory.resolve("mounts").resolve(pod.getMetadata().getName())
                        .resolve(claim), 1));
            }
        } catch (ApiException | RuntimeException e) {
            volumes.forEach(RbdVolume::detach);
            throw e;
        }
        return volumes;
    }

    private void tearDown(RunningPod pod) {
        pod.postgres().stop();
        for (RbdVolume volume : pod.volumes()) {
            volume.detach();
        }
        running.remove(pod.uid());
    }

    /** The kubelet's readiness probe: PostgreSQL answers SQL. */
    private static void awaitSql(PostgresInstance postgres) {
        Poll.until("PostgreSQL on port " + postgres.port() + " answers SQL", Duration.ofSeconds(60), () -> {
            try (Connection connection = postgres.connect()) {
                return connection.createStatement().execute("SELECT 1");
            }
        });
    }

    private static boolean isReady(V1Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
