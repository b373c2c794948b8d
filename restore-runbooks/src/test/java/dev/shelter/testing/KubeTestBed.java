package dev.shelter.testing;

import dev.shelter.runbooks.kubernetes.KubernetesConnection;
import dev.shelter.storage.rbd.RbdSnapshotter;
import dev.shelter.storage.snapshot.SnapshotRef;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.AuthenticationV1TokenRequest;
import io.kubernetes.client.openapi.models.V1ClusterRole;
import io.kubernetes.client.openapi.models.V1ClusterRoleBinding;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1NamespaceSpec;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PersistentVolume;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaimSpec;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V1StatefulSetSpec;
import io.kubernetes.client.openapi.models.V1TokenRequestSpec;
import io.kubernetes.client.openapi.models.V1VolumeResourceRequirements;
import io.kubernetes.client.util.Yaml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One test's corner of a real kube-apiserver: a namespace for the PostgreSQL StatefulSets, one for
 * Shelter's ServiceAccount, two nodes, the RBAC of {@code deploy/kubernetes/rbac.yaml} (renamed
 * into those namespaces), and a {@link TestKubelet} that runs real PostgreSQL on real RBD for the
 * pods. {@link #shelterClient()} authenticates as that ServiceAccount, with a token from the
 * TokenRequest API: Shelter's adapter is tested with exactly the rights the manifest grants.
 * {@link #close()} removes everything, images and namespaces included.
 */
public final class KubeTestBed implements AutoCloseable {

    private static final String RBAC_MANIFEST = "deploy/kubernetes/rbac.yaml";
    /** Ports held per StatefulSet: pod n listens on the first + n, and no test scales past a few pods. */
    private static final int PORTS_PER_STATEFUL_SET = 4;

    private final KubeApiServer server;
    private final ApiClient admin;
    private final CoreV1Api core;
    private final String suffix;
    private final String namespace;
    private final String shelterNamespace;
    private final List<String> nodes;
    private final List<Runnable> cleanups = new ArrayList<>();
    private final ScratchDirectory scratch;
    private final CephServer ceph;
    /** The pool's images before this test bed: whatever appears later is this test's, clones Shelter made included. */
    private final Set<String> imagesBefore;
    private TestKubelet kubelet;
    private PostgresBinaries binaries;
    /** Further namespaces with a kubelet of their own (a restore's new cluster goes there), by name. */
    private final Map<String, TestKubelet> otherNamespaces = new java.util.LinkedHashMap<>();

    private KubeTestBed(KubeApiServer server, CephServer ceph) {
        this.server = server;
        this.ceph = ceph;
        this.admin = KubernetesConnection.to(server.url(), server.adminToken(), server.certificateAuthority()).open();
        this.core = new CoreV1Api(admin);
        this.suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
        this.namespace = "pg-" + suffix;
        this.shelterNamespace = "shelter-" + suffix;
        this.nodes = List.of("node-a-" + suffix, "node-b-" + suffix);
        this.scratch = ScratchDirectory.create("shelter-kube-testbed");
        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            this.imagesBefore = Set.copyOf(rbd.pool().listImages());
        }
    }

    /** Namespaces, nodes, RBAC and a running kubelet. */
    public static KubeTestBed open(KubeApiServer server, CephServer ceph, PostgresBinaries binaries) {
        KubeTestBed bed = new KubeTestBed(server, ceph);
        bed.binaries = binaries;
        try {
            bed.createNamespace(bed.namespace);
            bed.createNamespace(bed.shelterNamespace);
            for (String node : bed.nodes) {
                bed.core.createNode(new V1Node().apiVersion("v1").kind("Node").metadata(new V1ObjectMeta().name(node)))
                        .execute();
                bed.cleanups.add(() -> bed.quietly(() -> bed.core.deleteNode(node).execute()));
            }
            bed.applyRbac();
            bed.kubelet = new TestKubelet(bed.admin, bed.namespace, bed.nodes, binaries, ceph.config().pool(),
                    bed.scratch.path());
        } catch (ApiException e) {
            bed.close();
            throw new IllegalStateException("test bed setup: API " + e.getCode() + " " + e.getResponseBody(), e);
        } catch (RuntimeException e) {
            bed.close();
            throw e;
        }
        return bed;
    }

    public String namespace() {
        return namespace;
    }

    /**
     * One more namespace, named {@code prefix} and this bed's suffix, with Shelter's Role of
     * deploy/kubernetes/rbac.yaml bound in it and a kubelet of its own; removed with everything in it
     * on close, as the first one is.
     */
    public String openNamespace(String prefix) {
        String name = prefix + "-" + suffix;
        try {
            createNamespace(name);
            applyRbac(name, false);
        } catch (ApiException e) {
            throw new IllegalStateException("namespace " + name + ": API " + e.getCode() + " " + e.getResponseBody(), e);
        }
        Path work = scratch.resolve(name);
        try {
            Files.createDirectories(work);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        otherNamespaces.put(name, new TestKubelet(admin, name, nodes, binaries, ceph.config().pool(), work, kubelet));
        return name;
    }

    /** The kubelet of a namespace {@link #openNamespace} made. */
    public TestKubelet kubeletOf(String namespace) {
        return Objects.requireNonNull(otherNamespaces.get(namespace), namespace);
    }

    public List<String> nodes() {
        return nodes;
    }

    public ApiClient adminClient() {
        return admin;
    }

    public TestKubelet kubelet() {
        return kubelet;
    }

    /** A client that authenticates as Shelter's ServiceAccount, bound only to deploy/kubernetes/rbac.yaml. */
    public ApiClient shelterClient() {
        return clientFor(shelterNamespace, "shelter");
    }

    /** A client for a ServiceAccount of this test bed that has no rights at all. */
    public ApiClient unprivilegedClient() {
        try {
            core.createNamespacedServiceAccount(shelterNamespace, new V1ServiceAccount().apiVersion("v1")
                    .kind("ServiceAccount").metadata(new V1ObjectMeta().name("nobody"))).execute();
        } catch (ApiException e) {
            if (e.getCode() != 409) {
                throw new IllegalStateException(e.getResponseBody(), e);
            }
        }
        return clientFor(shelterNamespace, "nobody");
    }

    /**
     * A StatefulSet of one PostgreSQL on a free port, with a password of its own; returns once the
     * kubelet reports its pod Ready (PostgreSQL answers SQL).
     */
    public PostgresStatefulSet startPostgres(String name) {
        PostgresStatefulSet statefulSet = new PostgresStatefulSet(name, freePort(), "pw-" + UUID.randomUUID());
        createPostgresStatefulSet(name, 1, statefulSet.port(), statefulSet.password());
        Poll.until("pod " + name + "-0 ready", Duration.ofSeconds(120), () -> podReady(name + "-0"), Boolean.TRUE::equals,
                () -> "kubelet: " + kubelet.lastError());
        return statefulSet;
    }

    /**
     * A single-container StatefulSet whose pods the kubelet runs as PostgreSQL on {@code port}
     * (plus the ordinal), with one 1 GiB claim template "pgdata".
     */
    public V1StatefulSet createPostgresStatefulSet(String name, int replicas, int port, String password) {
        V1PodSpec pod = new V1PodSpec().addContainersItem(new V1Container().name("postgres").image("postgres:15")
                .addPortsItem(new V1ContainerPort().name("postgresql").containerPort(port))
                .addEnvItem(new V1EnvVar().name("POSTGRES_PASSWORD").value(password)));
        pod.setOverhead(null); // 1.20 refuses the "overhead": {} client-java sends
        V1StatefulSet statefulSet = new V1StatefulSet().apiVersion("apps/v1").kind("StatefulSet")
                .metadata(new V1ObjectMeta().name(name).namespace(namespace))
                .spec(new V1StatefulSetSpec().replicas(replicas).serviceName(name)
                        .selector(new V1LabelSelector().putMatchLabelsItem("app", name))
                        .template(new V1PodTemplateSpec().metadata(new V1ObjectMeta().putLabelsItem("app", name)).spec(pod))
                        .addVolumeClaimTemplatesItem(new V1PersistentVolumeClaim().metadata(new V1ObjectMeta().name("pgdata"))
                                .spec(new V1PersistentVolumeClaimSpec().accessModes(List.of("ReadWriteOnce"))
                                        .resources(new V1VolumeResourceRequirements()
                                                .putRequestsItem("storage", Quantity.fromString("1Gi"))))));
        try {
            return new AppsV1Api(admin).createNamespacedStatefulSet(namespace, statefulSet).execute();
        } catch (ApiException e) {
            throw new IllegalStateException("create statefulset: " + e.getResponseBody(), e);
        }
    }

    @Override
    public void close() {
        try {
            Set<String> images = new java.util.HashSet<>();
            Map<String, TestKubelet> kubelets = new java.util.LinkedHashMap<>(otherNamespaces);
            if (kubelet != null) {
                kubelets.put(namespace, kubelet);
            }
            kubelets.forEach((name, each) -> {
                quietly(() -> new AppsV1Api(admin).deleteCollectionNamespacedStatefulSet(name).execute());
                quietly(() -> core.deleteCollectionNamespacedPod(name).gracePeriodSeconds(0).execute());
                each.close();
                images.addAll(each.images());
            });
            for (String name : kubelets.keySet()) {
                removeClaimsAndVolumes(name, images);
            }
            if (kubelet != null) {
                removeImages(images);
            }
            cleanups.forEach(Runnable::run);
            otherNamespaces.keySet().forEach(this::deleteNamespace);
            deleteNamespace(namespace);
            deleteNamespace(shelterNamespace);
        } finally {
            scratch.close();
        }
    }

    /** The namespace's claims, and every volume made for it or bound into it (Shelter's clones and kept originals); their images into {@code images}. */
    private void removeClaimsAndVolumes(String name, Set<String> images) {
        quietly(() -> core.deleteCollectionNamespacedPersistentVolumeClaim(name).execute());
        quietly(() -> {
            for (V1PersistentVolume pv : core.listPersistentVolume().execute().getItems()) {
                boolean ours = pv.getMetadata().getLabels() != null
                        && name.equals(pv.getMetadata().getLabels().get("shelter.test/namespace"));
                boolean boundHere = pv.getSpec().getClaimRef() != null && name.equals(pv.getSpec().getClaimRef().getNamespace());
                if (!ours && !boundHere) {
                    continue;
                }
                if (pv.getSpec().getCsi() != null && pv.getSpec().getCsi().getVolumeAttributes() != null) {
                    images.add(pv.getSpec().getCsi().getVolumeAttributes().get("imageName")); // clones Shelter swapped in too
                }
                core.deletePersistentVolume(pv.getMetadata().getName()).execute();
            }
            return null;
        });
    }

    /** A bearer token of Shelter's ServiceAccount, for a Shelter configured from outside the cluster. */
    public String shelterToken() {
        return tokenFor(shelterNamespace, "shelter");
    }

    public KubeApiServer server() {
        return server;
    }

    private boolean podReady(String pod) {
        try {
            V1Pod read = core.readNamespacedPod(pod, namespace).execute();
            return read.getStatus() != null && read.getStatus().getConditions() != null && read.getStatus().getConditions()
                    .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        } catch (ApiException e) {
            if (e.getCode() == 404) {
                return false;
            }
            throw new IllegalStateException("read pod " + pod + ": " + e.getResponseBody(), e);
        }
    }

    /** Pod n of a StatefulSet listens on base + n; PostgreSQL cannot bind port 0, so the block is held for the JVM. */
    private static int freePort() {
        return Ports.reserveBlock(PORTS_PER_STATEFUL_SET);
    }

    private ApiClient clientFor(String serviceAccountNamespace, String serviceAccount) {
        return KubernetesConnection.to(server.url(), tokenFor(serviceAccountNamespace, serviceAccount),
                server.certificateAuthority()).open();
    }

    private String tokenFor(String serviceAccountNamespace, String serviceAccount) {
        try {
            AuthenticationV1TokenRequest request = core.createNamespacedServiceAccountToken(serviceAccount,
                    serviceAccountNamespace, new AuthenticationV1TokenRequest().apiVersion("authentication.k8s.io/v1")
                            .kind("TokenRequest").spec(new V1TokenRequestSpec().expirationSeconds(3600L)
                                    .audiences(List.of("https://kubernetes.default.svc")))).execute();
            return request.getStatus().getToken();
        } catch (ApiException e) {
            throw new IllegalStateException("token request: " + e.getResponseBody(), e);
        }
    }

    /** The manifest as shipped, moved into this test bed's namespaces and names. */
    private void applyRbac() throws ApiException {
        applyRbac(namespace, true);
    }

    /** Its Roles and RoleBindings into {@code target}; with {@code everything}, its ServiceAccount and cluster-wide rules too. */
    private void applyRbac(String target, boolean everything) throws ApiException {
        RbacAuthorizationV1Api rbac = new RbacAuthorizationV1Api(admin);
        List<Object> objects;
        try {
            objects = Yaml.loadAll(Files.readString(RepositoryFiles.find(RBAC_MANIFEST)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Object object : objects) {
            if (object instanceof V1Role role) {
                role.getMetadata().setNamespace(target);
                rbac.createNamespacedRole(target, role).execute();
            } else if (object instanceof V1RoleBinding binding) {
                binding.getMetadata().setNamespace(target);
                binding.getSubjects().forEach(subject -> subject.setNamespace(shelterNamespace));
                rbac.createNamespacedRoleBinding(target, binding).execute();
            } else if (!everything) {
                continue;
            } else if (object instanceof V1ServiceAccount account) {
                account.getMetadata().setNamespace(shelterNamespace);
                core.createNamespacedServiceAccount(shelterNamespace, account).execute();
            } else if (object instanceof V1ClusterRole role) {
                String name = role.getMetadata().getName() + "-" + suffix;
                role.getMetadata().setName(name);
                rbac.createClusterRole(role).execute();
                cleanups.add(() -> quietly(() -> rbac.deleteClusterRole(name).execute()));
            } else if (object instanceof V1ClusterRoleBinding binding) {
                String name = binding.getMetadata().getName() + "-" + suffix;
                binding.getMetadata().setName(name);
                binding.getRoleRef().setName(binding.getRoleRef().getName() + "-" + suffix);
                binding.getSubjects().forEach(subject -> subject.setNamespace(shelterNamespace));
                rbac.createClusterRoleBinding(binding).execute();
                cleanups.add(() -> quietly(() -> rbac.deleteClusterRoleBinding(name).execute()));
            } else {
                throw new IllegalStateException(RBAC_MANIFEST + " holds an unexpected " + object.getClass().getSimpleName());
            }
        }
    }

    private void createNamespace(String name) throws ApiException {
        core.createNamespace(new V1Namespace().apiVersion("v1").kind("Namespace").metadata(new V1ObjectMeta().name(name)))
                .execute();
    }

    /** A bare API server has no namespace controller: empty the finalizers so that the namespace goes. */
    private void deleteNamespace(String name) {
        quietly(() -> core.deleteNamespace(name).execute());
        quietly(() -> core.replaceNamespaceFinalize(name, new V1Namespace().apiVersion("v1").kind("Namespace")
                .metadata(new V1ObjectMeta().name(name)).spec(new V1NamespaceSpec().finalizers(List.of()))).execute());
    }

    /**
     * Every image this test bed's test made, whatever made it: clones before their parents and their snapshots first,
     * pass after pass while a pass frees something. A leak fills the test OSD, and a full OSD hangs every later test.
     */
    private void removeImages(Set<String> known) {
        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            Set<String> left = new java.util.HashSet<>(known);
            left.remove(null);
            left.addAll(rbd.pool().listImages());
            left.removeAll(imagesBefore);
            Map<String, String> failures = new java.util.TreeMap<>();
            boolean progress = true;
            while (!left.isEmpty() && progress) {
                progress = false;
                failures.clear();
                for (String image : List.copyOf(left)) {
                    try {
                        for (SnapshotRef snapshot : rbd.listSnapshots(image)) {
                            if (rbd.isProtected(snapshot)) {
                                rbd.unprotectSnapshot(snapshot);
                            }
                            rbd.deleteSnapshot(snapshot);
                        }
                        rbd.removeVolume(image);
                        left.remove(image);
                        progress = true;
                    } catch (RuntimeException e) {
                        failures.put(image, String.valueOf(e.getMessage()));
                    }
                }
                left.retainAll(rbd.pool().listImages()); // gone meanwhile, removed by what made it
            }
            failures.forEach((image, why) -> System.err.println("KubeTestBed: could not remove image " + image + ": " + why));
        }
    }

    private interface ApiAction {
        Object run() throws ApiException;
    }

    private void quietly(ApiAction action) {
        try {
            action.run();
        } catch (ApiException e) {
            if (e.getCode() != 404) {
                System.err.println("KubeTestBed cleanup: API " + e.getCode() + " " + e.getResponseBody());
            }
        } catch (RuntimeException e) {
            System.err.println("KubeTestBed cleanup: " + e);
        }
    }
}
