package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.cluster.ClusterControl;
import dev.shelter.runbooks.cluster.ClusterEvent;
import dev.shelter.runbooks.cluster.ClusterTargetException;
import dev.shelter.runbooks.cluster.KubernetesTarget;
import dev.shelter.runbooks.cluster.Member;
import dev.shelter.runbooks.cluster.MemberRole;
import dev.shelter.runbooks.cluster.MemberVolume;
import dev.shelter.runbooks.cluster.NodeMaintenance;
import dev.shelter.runbooks.cluster.VolumeJobs;
import dev.shelter.runbooks.cluster.VolumeLocation;
import dev.shelter.runbooks.postgres.ControlFile;
import dev.shelter.storage.snapshot.VolumeSnapshotter;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaimVolumeSource;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V1Volume;
import io.kubernetes.client.openapi.models.V1VolumeMount;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A PostgreSQL StatefulSet, plain or Patroni-managed, driven through the API server with the
 * rights of deploy/kubernetes/rbac.yaml. Scaling to zero waits until the pods are gone: the kubelet
 * removes a pod only after its containers stopped and its volumes were unmounted, which is what a
 * snapshot rollback needs (the RBD image's exclusive lock released). A stopped member's pg_control
 * is read by a volume job that mounts its claim and prints the file (base64): the job's log is the
 * only channel, read through the API server with the rights of rbac.yaml (pods/log).
 */
public final class KubernetesClusterControl implements ClusterControl, NodeMaintenance, VolumeJobs {

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesClusterControl.class);
    /** Patroni (Spilo) labels each pod with its role; older images say master. */
    private static final List<String> ROLE_LABELS = List.of("spilo-role", "role");
    /** Where a volume job mounts the claim: a directory every image has. */
    static final String JOB_MOUNT = "/mnt";
    private static final String BEGIN = "--- shelter pg_control base64 begin ---";
    private static final String END = "--- shelter pg_control base64 end ---";
    /** The struct is under 512 bytes (PG_CONTROL_MAX_SAFE_SIZE); the rest of the 8 KiB file is zeros. */
    private static final String READ_PG_CONTROL = "test -f \"$1\" || { echo \"shelter: no pg_control at $1\" >&2; exit 3; }; "
            + "printf '%s\\n' '" + BEGIN + "' && head -c 512 \"$1\" | base64 && printf '%s\\n' '" + END + "'";

    /**
     * How this target's volumes are laid out for the jobs Shelter runs on them.
     *
     * @param pgdataPath where PGDATA is inside the pgdata claim, relative ("pgroot/data" in Spilo; "" for the claim's root)
     * @param jobImage   the image of volume jobs (it needs sh, head and base64); empty: the StatefulSet's first container's
     */
    public record Settings(String pgdataPath, Optional<String> jobImage) {

        /** Spilo's layout, and the workload's own image. */
        public static final Settings DEFAULTS = new Settings("pgroot/data", Optional.empty());

        public Settings {
            Objects.requireNonNull(pgdataPath, "pgdataPath");
            Objects.requireNonNull(jobImage, "jobImage");
            if (pgdataPath.startsWith("/") || List.of(pgdataPath.split("/")).contains("..")) {
                throw new IllegalArgumentException("pgdataPath must be relative to the claim's root, without '..': " + pgdataPath);
            }
            pgdataPath = pgdataPath.replaceAll("/+$", "");
        }
    }

    private final ApiClient client;
    private final KubernetesTarget target;
    private final Settings settings;
    private final StatefulSets statefulSets;
    private final Pods pods;
    private final Nodes nodes;
    private final VolumeClaims claims;
    private final Jobs jobs;
    private final Events events;

    public KubernetesClusterControl(ApiClient client, KubernetesTarget target) {
        this(client, target, Settings.DEFAULTS);
    }

    public KubernetesClusterControl(ApiClient client, KubernetesTarget target, Settings settings) {
        this.client = client;
        this.target = target;
        this.settings = Objects.requireNonNull(settings, "settings");
        this.statefulSets = new StatefulSets(client);
        this.pods = new Pods(client);
        this.nodes = new Nodes(client);
        this.claims = new VolumeClaims(client);
        this.jobs = new Jobs(client);
        this.events = new Events(client);
    }

    /**
     * Clone and swap for this StatefulSet: per volume of its spec (by name), the claim of ordinal 0,
     * the member a StatefulSet scaled to 1 runs; the clones are made by {@code snapshotter}.
     */
    public KubernetesVolumeSwap volumeSwap(Map<String, String> claimByVolume, VolumeSnapshotter snapshotter) {
        return new KubernetesVolumeSwap(client, target.namespace(), claimByVolume, snapshotter);
    }

    public Settings settings() {
        return settings;
    }

    /** The control of another StatefulSet through the same API client, with the same settings: a new cluster's. */
    public KubernetesClusterControl of(KubernetesTarget other) {
        return new KubernetesClusterControl(client, other, settings);
    }

    /**
     * A restore of this StatefulSet's backups into a new one at {@code place}: per volume of its spec
     * (by name), its claim template; the clones are made by {@code snapshotter}.
     */
    public KubernetesNewCluster newCluster(Map<String, String> templateByVolume, KubernetesNewCluster.Place place,
                                           VolumeSnapshotter snapshotter, KubernetesRecoveryFiles.ShelterImage shelter) {
        return new KubernetesNewCluster(client, target, templateByVolume, place, snapshotter, shelter, settings.pgdataPath());
    }

    @Override
    public List<Member> members() {
        V1StatefulSet statefulSet = statefulSet();
        List<V1Pod> found = pods.list(namespace(), StatefulSets.selectorOf(statefulSet));
        List<Member> members = new ArrayList<>();
        for (V1Pod pod : found) {
            members.add(memberOf(pod, found.size()));
        }
        return members;
    }

    @Override
    public int desiredReplicas() {
        return statefulSets.desiredReplicas(namespace(), target.statefulSet());
    }

    @Override
    public void scale(int replicas, Duration timeout) {
        if (replicas < 0) {
            throw new IllegalArgumentException("replicas must be 0 or more, was " + replicas);
        }
        String selector = StatefulSets.selectorOf(statefulSet());
        statefulSets.scale(namespace(), target.statefulSet(), replicas);
        String what = replicas == 0
                ? "every pod of statefulset " + target + " to be gone"
                : replicas + " ready pod(s) of statefulset " + target;
        pods.waitFor(namespace(), selector, what, timeout,
                found -> replicas == 0 ? found.isEmpty()
                        : found.size() == replicas && found.stream().allMatch(Pods::isReady),
                Pods::describe);
    }

    @Override
    public Map<String, String> annotations() {
        Map<String, String> annotations = statefulSet().getMetadata().getAnnotations();
        return annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    @Override
    public void annotate(Map<String, Optional<String>> changes) {
        statefulSets.annotate(namespace(), target.statefulSet(), changes);
    }

    @Override
    public void recordEvent(ClusterEvent event) {
        try {
            events.record(statefulSet(), event);
        } catch (ClusterTargetException e) {
            LOG.warn("could not record event {} on {}: {}", event.reason(), target, e.getMessage());
        }
    }

    @Override
    public Optional<NodeMaintenance> nodeMaintenance() {
        return Optional.of(this);
    }

    @Override
    public Optional<VolumeJobs> volumeJobs() {
        return Optional.of(this);
    }

    @Override
    public void cordon(String node) {
        nodes.setUnschedulable(node, true);
    }

    @Override
    public void uncordon(String node) {
        nodes.setUnschedulable(node, false);
    }

    @Override
    public boolean isCordoned(String node) {
        return nodes.isUnschedulable(node);
    }

    @Override
    public List<String> drain(String node, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        cordon(node);
        String selector = StatefulSets.selectorOf(statefulSet());
        List<V1Pod> onNode = pods.list(namespace(), selector).stream()
                .filter(pod -> node.equals(pod.getSpec().getNodeName())).toList();
        Set<String> evictedUids = new HashSet<>();
        List<String> evicted = new ArrayList<>();
        for (V1Pod pod : onNode) {
            String name = pod.getMetadata().getName();
            evictRespectingBudgets(name, deadline);
            evictedUids.add(pod.getMetadata().getUid());
            evicted.add(name);
        }
        // The StatefulSet recreates a pod under the same name; the evicted one is known by its uid.
        Duration left = Duration.between(Instant.now(), deadline);
        pods.waitFor(namespace(), selector, "the evicted pods " + evicted + " to leave node " + node,
                left.isNegative() ? Duration.ZERO : left,
                found -> found.stream().noneMatch(pod -> evictedUids.contains(pod.getMetadata().getUid())),
                Pods::describe);
        return evicted;
    }

    @Override
    public JobOutcome runWithVolume(VolumeJob job, Duration timeout) {
        if (jobs.find(namespace(), job.name()).isEmpty()) {
            jobs.create(namespace(), jobFor(job));
        }
        V1Job finished = jobs.awaitFinished(namespace(), job.name(), timeout);
        String log = jobLog(job.name());
        jobs.delete(namespace(), job.name());
        return new JobOutcome(Jobs.succeeded(finished), log);
    }

    /** Where the volume bound to {@code claim} lives (its RBD image), whether or not a pod mounts it now. */
    public VolumeLocation volumeOf(String claim) {
        return claims.locate(namespace(), claim);
    }

    /**
     * A job that mounts {@code claim} at {@link #JOB_MOUNT} and prints the first 512 bytes of
     * {@code <pgdataPath>/global/pg_control} between two marker lines, base64-encoded; the job's
     * log is decoded and parsed. Each read is a job of its own name, so an old job can never answer.
     */
    @Override
    public ControlFile readControlFile(String claim, Duration timeout) {
        String file = JOB_MOUNT + "/" + (settings.pgdataPath().isEmpty() ? "" : settings.pgdataPath() + "/") + ControlFile.PATH;
        String name = jobName("shelter-pg-control-");
        String image = settings.jobImage().orElseGet(this::workloadImage);
        JobOutcome outcome = runWithVolume(new VolumeJob(name, claim, JOB_MOUNT, image,
                List.of("sh", "-c", READ_PG_CONTROL, "read-pg-control", file)), timeout);
        String where = "pg_control of claim " + namespace() + "/" + claim + " (" + file + " in job " + name + ")";
        if (!outcome.succeeded()) {
            boolean missing = outcome.log().contains("shelter: no pg_control at");
            throw new ClusterTargetException(missing ? ClusterTargetException.Reason.NOT_FOUND : ClusterTargetException.Reason.UNAVAILABLE,
                    "cannot read the " + where + (missing ? ": no such file; is the target's pgdataPath '" + settings.pgdataPath()
                    + "' where PGDATA is inside the claim?" : ": the job failed") + "; its log: " + tail(outcome.log()));
        }
        return ControlFile.parse(decode(outcome.log(), where), where);
    }

    /** The base64 between the markers, whatever else the log holds around them. */
    static byte[] decode(String log, String where) {
        int begin = log.indexOf(BEGIN);
        int end = log.indexOf(END, begin + 1);
        if (begin < 0 || end < 0) {
            throw new ClusterTargetException(ClusterTargetException.Reason.UNAVAILABLE, "the job reading the " + where
                    + " succeeded, but its log holds no pg_control (the log is read through the API server, pods/log): "
                    + tail(log));
        }
        String base64 = log.substring(begin + BEGIN.length(), end).replaceAll("\\s", "");
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new ClusterTargetException(ClusterTargetException.Reason.UNAVAILABLE, "the job reading the " + where
                    + " printed no valid base64: " + e.getMessage(), e);
        }
    }

    /** A job name of its own ({@code prefix} and 10 random hex digits), so an old job can never answer for a new one. */
    static String jobName(String prefix) {
        return prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(0, 10);
    }

    /** The end of a job's log, for a failure's message. */
    static String tail(String log) {
        String stripped = log.strip();
        return stripped.isEmpty() ? "(empty)" : stripped.substring(Math.max(0, stripped.length() - 1000));
    }

    /** The image of the StatefulSet's first container: already on the nodes, with a shell and coreutils. */
    private String workloadImage() {
        V1StatefulSet statefulSet = statefulSet();
        List<V1Container> containers = statefulSet.getSpec().getTemplate().getSpec().getContainers();
        if (containers == null || containers.isEmpty() || containers.get(0).getImage() == null) {
            throw new ClusterTargetException(ClusterTargetException.Reason.CONFLICT, "statefulset " + target
                    + " names no container image to run volume jobs with; configure the target's volumeJobImage");
        }
        return containers.get(0).getImage();
    }

    /** Retries an eviction a disruption budget refuses, until the deadline; never deletes instead. */
    private void evictRespectingBudgets(String pod, Instant deadline) {
        while (!pods.evict(namespace(), pod)) {
            if (Instant.now().isAfter(deadline)) {
                throw new ClusterTargetException(ClusterTargetException.Reason.CONFLICT, "eviction of pod " + namespace()
                        + "/" + pod + " is still refused by a PodDisruptionBudget: a single-replica cluster cannot be"
                        + " drained without an outage; plan one (scale to 0) or allow maxUnavailable 1");
            }
            sleep(Duration.ofSeconds(1));
        }
    }

    private Member memberOf(V1Pod pod, int podCount) {
        List<MemberVolume> volumes = new ArrayList<>();
        if (pod.getSpec().getVolumes() != null) {
            for (V1Volume volume : pod.getSpec().getVolumes()) {
                V1PersistentVolumeClaimVolumeSource claim = volume.getPersistentVolumeClaim();
                if (claim != null) {
                    volumes.add(new MemberVolume(claim.getClaimName(), claims.locate(namespace(), claim.getClaimName())));
                }
            }
        }
        return new Member(pod.getMetadata().getName(), roleOf(pod, podCount),
                Optional.ofNullable(pod.getSpec().getNodeName()), Pods.isReady(pod), volumes);
    }

    /** The member's role from its pod's labels (package-private for its unit test). */
    static MemberRole roleOf(V1Pod pod, int podCount) {
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        for (String label : ROLE_LABELS) {
            String role = labels.get(label);
            if (role != null) {
                return switch (role) {
                    case "master", "primary", "leader", "standby_leader" -> MemberRole.PRIMARY;
                    case "replica", "standby" -> MemberRole.REPLICA;
                    default -> MemberRole.UNKNOWN;
                };
            }
        }
        // Without an HA manager, a StatefulSet of one is that one server.
        return podCount == 1 ? MemberRole.PRIMARY : MemberRole.UNKNOWN;
    }

    private V1Job jobFor(VolumeJob job) {
        V1PodSpec spec = new V1PodSpec().restartPolicy("Never")
                .addContainersItem(new V1Container().name("job").image(job.image()).command(job.command())
                        .addVolumeMountsItem(new V1VolumeMount().name("target").mountPath(job.mountPath())))
                .addVolumesItem(new V1Volume().name("target")
                        .persistentVolumeClaim(new V1PersistentVolumeClaimVolumeSource().claimName(job.claim())));
        // client-java sends "overhead": {} unless told otherwise, and API servers before 1.24 refuse it.
        spec.setOverhead(null);
        return new V1Job().apiVersion("batch/v1").kind("Job")
                .metadata(new V1ObjectMeta().name(job.name()).namespace(namespace())
                        .putLabelsItem("app.kubernetes.io/managed-by", "shelter"))
                .spec(new V1JobSpec().backoffLimit(0)
                        .template(new V1PodTemplateSpec()
                                .metadata(new V1ObjectMeta().putLabelsItem("app.kubernetes.io/managed-by", "shelter"))
                                .spec(spec)));
    }

    private String jobLog(String jobName) {
        StringBuilder log = new StringBuilder();
        for (V1Pod pod : pods.list(namespace(), "job-name=" + jobName)) {
            try {
                log.append(pods.log(namespace(), pod.getMetadata().getName()));
            } catch (ClusterTargetException e) {
                log.append("(no log from ").append(pod.getMetadata().getName()).append(": ").append(e.getMessage()).append(")\n");
            }
        }
        return log.toString();
    }

    private V1StatefulSet statefulSet() {
        return statefulSets.get(namespace(), target.statefulSet());
    }

    private String namespace() {
        return target.namespace();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterTargetException(ClusterTargetException.Reason.TIMEOUT, "interrupted", e);
        }
    }
}
