package dev.shelter.service.app;

import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.cluster.ClusterSpec;
import dev.shelter.runbooks.cluster.KubernetesTarget;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.cluster.VolumeSpec;
import dev.shelter.runbooks.kubernetes.KubernetesClusterControl;
import dev.shelter.runbooks.kubernetes.KubernetesNewCluster;
import dev.shelter.runbooks.kubernetes.KubernetesRecoveryFiles;
import dev.shelter.runbooks.plan.restore.RestoreRun;
import dev.shelter.runbooks.restore.ArchiveCommand;
import dev.shelter.service.core.InvalidRequestException;
import dev.shelter.service.core.NewClusters;
import dev.shelter.service.wal.ShelterWalArchive;
import dev.shelter.storage.blob.BlobStore;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * New clusters of a StatefulSet: a copy of it under the new cluster's name in the namespace the
 * request names, on clones of the backup's RBD images, archiving through Shelter into
 * {@code new-clusters/<source>/<name>/wal/} of the object store, a prefix no protected cluster's
 * archive lists. Shelter reaches its PostgreSQL at {@code host} (default: ordinal 0's DNS name under
 * the headless Service the placement makes, {@code <name>-0.<name>.<namespace>.svc}).
 */
final class KubernetesNewClusters implements NewClusters {

    /** A DNS-1123 label, as Kubernetes names a namespace. */
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    static final String NAMESPACE_FACT = "namespace";
    static final String PORT = "port";
    static final String HOST = "host";

    private final BlobStore objectStore;
    private final String walUrl;
    private final String tokenFile;
    private final KubernetesRecoveryFiles.ShelterImage shelter;
    private final Clock clock;

    KubernetesNewClusters(BlobStore objectStore, String walUrl, String tokenFile, KubernetesRecoveryFiles.ShelterImage shelter, Clock clock) {
        this.objectStore = objectStore;
        this.walUrl = walUrl;
        this.tokenFile = tokenFile;
        this.shelter = shelter;
        this.clock = clock;
    }

    @Override
    public Map<String, String> facts(Order order) {
        if (order.dataDirectory() != null) {
            throw new InvalidRequestException("newCluster.dataDirectory is for a local cluster; one on Kubernetes takes a namespace");
        }
        if (order.namespace() == null || !NAMESPACE.matcher(order.namespace()).matches()) {
            throw new InvalidRequestException("newCluster.namespace: the namespace (an existing one, a DNS-1123 label) the new "
                    + "StatefulSet goes into");
        }
        if (order.port() != null && (order.port() < 1 || order.port() > 65535)) {
            throw new InvalidRequestException("newCluster.port: the TCP port of the new pods' PostgreSQL, from 1 to 65535");
        }
        if (order.host() != null && !order.host().matches("[A-Za-z0-9.:-]+")) {
            throw new InvalidRequestException("newCluster.host: a host name or address");
        }
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put(NAMESPACE_FACT, order.namespace());
        if (order.port() != null) {
            facts.put(PORT, Integer.toString(order.port()));
        }
        if (order.host() != null) {
            facts.put(HOST, order.host());
        }
        return facts;
    }

    @Override
    public Placed place(ProtectedCluster source, String name, Map<String, String> facts) {
        KubernetesClusterControl sourceControl = (KubernetesClusterControl) source.control();
        String namespace = facts.get(NAMESPACE_FACT);
        KubernetesTarget target = new KubernetesTarget(namespace, name);
        KubernetesClusterControl control = sourceControl.of(target);
        NewClusterEndpoint endpoints = new NewClusterEndpoint(source);
        OptionalInt port = facts.containsKey(PORT) ? OptionalInt.of(Integer.parseInt(facts.get(PORT))) : OptionalInt.empty();
        String host = facts.getOrDefault(HOST, name + "-0." + name + "." + namespace + ".svc");
        PostgresEndpoint endpoint = endpoints.at(host, port.orElse(endpoints.sourcePort()));
        ClusterName newName = new ClusterName(name);
        List<VolumeSpec> volumes = source.spec().volumes();
        ClusterSpec spec = new ClusterSpec(newName, target, endpoint, volumes);
        String prefix = "new-clusters/" + source.name() + "/" + name + "/wal/";
        ProtectedCluster copy = new ProtectedCluster(spec, control, source.snapshotter(), new ShelterWalArchive(objectStore, prefix, clock),
                List.of(), List.of(), source.policy());
        Map<String, String> templateByVolume = new LinkedHashMap<>();
        volumes.forEach(volume -> templateByVolume.put(volume.name(), volume.source()));
        KubernetesNewCluster placement = sourceControl.newCluster(templateByVolume, new KubernetesNewCluster.Place(namespace, name, port),
                source.snapshotter(), shelter);
        String pgdata = volumes.stream().filter(v -> v.role() == VolumeRole.PGDATA).findFirst().orElseThrow().name();
        String archiveCommand = ArchiveCommand.curlIntoNewCluster(walUrl, source.spec().name(), newName, tokenFile);
        KubernetesRecoveryFiles recoveryFiles = new KubernetesRecoveryFiles(control, placement.claimOf(pgdata),
                control.settings().pgdataPath(), shelter);
        return new Placed(new RestoreRun.NewCluster(copy, placement, archiveCommand, objectStore, prefix), recoveryFiles);
    }
}
