package dev.shelter.service.app;

import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.cluster.ClusterSpec;
import dev.shelter.runbooks.cluster.LocalTarget;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.cluster.VolumeSpec;
import dev.shelter.runbooks.local.LocalClusterControl;
import dev.shelter.runbooks.local.LocalNewCluster;
import dev.shelter.runbooks.local.LocalRecoveryFiles;
import dev.shelter.runbooks.plan.restore.RestoreRun;
import dev.shelter.runbooks.restore.ArchiveCommand;
import dev.shelter.service.core.InvalidRequestException;
import dev.shelter.service.core.NewClusters;
import dev.shelter.service.wal.ShelterWalArchive;
import dev.shelter.storage.blob.BlobStore;

import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * New clusters of a local cluster: a new data directory and port on this machine, run by the
 * source's binaries as its OS user, archiving through Shelter into {@code new-clusters/<source>/<name>/wal/}
 * of the object store, a prefix no protected cluster's archive lists.
 */
final class LocalNewClusters implements NewClusters {

    static final String DATA_DIRECTORY = "dataDirectory";
    static final String PORT = "port";
    static final String HOST = "host";

    private final Path stateDirectory;
    private final BlobStore objectStore;
    private final String walUrl;
    private final String tokenFile;
    private final Clock clock;

    /** {@code stateDirectory}: the source's own; each new cluster keeps its state in a directory below it. */
    LocalNewClusters(Path stateDirectory, BlobStore objectStore, String walUrl, String tokenFile, Clock clock) {
        this.stateDirectory = stateDirectory;
        this.objectStore = objectStore;
        this.walUrl = walUrl;
        this.tokenFile = tokenFile;
        this.clock = clock;
    }

    @Override
    public Map<String, String> facts(Order order) {
        if (order.namespace() != null) {
            throw new InvalidRequestException("newCluster.namespace is for a cluster on Kubernetes; a local one takes dataDirectory and port");
        }
        if (order.dataDirectory() == null || !Path.of(order.dataDirectory()).isAbsolute()) {
            throw new InvalidRequestException("newCluster.dataDirectory: an absolute path of a directory that does not exist yet");
        }
        if (order.port() == null || order.port() < 1024 || order.port() > 65535) {
            throw new InvalidRequestException("newCluster.port: a free TCP port from 1024 to 65535 for the new cluster's PostgreSQL");
        }
        if (order.host() != null && !order.host().matches("[A-Za-z0-9.:-]+")) {
            throw new InvalidRequestException("newCluster.host: a host name or address");
        }
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put(DATA_DIRECTORY, Path.of(order.dataDirectory()).normalize().toString());
        facts.put(PORT, Integer.toString(order.port()));
        if (order.host() != null) {
            facts.put(HOST, order.host());
        }
        return facts;
    }

    @Override
    public Placed place(ProtectedCluster source, String name, Map<String, String> facts) {
        Path dataDirectory = Path.of(facts.get(DATA_DIRECTORY));
        int port = Integer.parseInt(facts.get(PORT));
        LocalTarget sourceTarget = (LocalTarget) source.spec().target();
        LocalTarget target = new LocalTarget(dataDirectory, sourceTarget.binDirectory(), sourceTarget.osUser());
        NewClusterEndpoint endpoints = new NewClusterEndpoint(source);
        String host = facts.getOrDefault(HOST, endpoints.sourceHost());
        PostgresEndpoint endpoint = endpoints.at(host, port);
        ClusterName newName = new ClusterName(name);
        ClusterSpec spec = new ClusterSpec(newName, target, endpoint,
                List.of(new VolumeSpec(VolumeRole.PGDATA, "pgdata", dataDirectory.toString())));
        String prefix = "new-clusters/" + source.name() + "/" + name + "/wal/";
        ProtectedCluster copy = new ProtectedCluster(spec,
                new LocalClusterControl(name, target, spec.volumes(), stateDirectory.resolve("new-clusters").resolve(name)),
                source.snapshotter(), new ShelterWalArchive(objectStore, prefix, clock), List.of(), List.of(), source.policy());
        String archiveCommand = ArchiveCommand.curlIntoNewCluster(walUrl, source.spec().name(), newName, tokenFile);
        return new Placed(new RestoreRun.NewCluster(copy, new LocalNewCluster(source.name(), source.snapshotter(), dataDirectory, host,
                port), archiveCommand, objectStore, prefix), new LocalRecoveryFiles(target));
    }
}
