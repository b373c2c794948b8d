package dev.shelter.runbooks.local;

import dev.shelter.runbooks.cluster.ClusterControl;
import dev.shelter.runbooks.cluster.ClusterEvent;
import dev.shelter.runbooks.cluster.ClusterTargetException;
import dev.shelter.runbooks.cluster.LocalTarget;
import dev.shelter.runbooks.cluster.Member;
import dev.shelter.runbooks.cluster.MemberRole;
import dev.shelter.runbooks.cluster.MemberVolume;
import dev.shelter.runbooks.cluster.NodeMaintenance;
import dev.shelter.runbooks.cluster.VolumeJobs;
import dev.shelter.runbooks.cluster.VolumeLocation;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.cluster.VolumeSpec;
import dev.shelter.runbooks.postgres.ControlFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * A single PostgreSQL server on this machine (local mode): scale to zero is a clean, fast stop
 * that returns once the server has exited; scale to one a start that returns once it accepts
 * connections. pg_ctl's own wait (90 s) bounds both; a scale that outlasts the caller's timeout
 * is logged, since it has already happened by then. There are no nodes and no jobs: pg_control is
 * read in-process. Annotations and events live in Shelter's own state directory, never in the
 * PGDATA or another volume of the backup set, which a rollback would take back in time.
 */
public final class LocalClusterControl implements ClusterControl {

    private static final Logger LOG = LoggerFactory.getLogger(LocalClusterControl.class);
    static final String ANNOTATIONS_FILE = "annotations.properties";
    static final String EVENTS_FILE = "events.log";

    private final String name;
    private final LocalTarget target;
    private final List<VolumeSpec> volumes;
    private final LocalServer server;
    private final Path stateDirectory;

    /**
     * {@code stateDirectory} is this cluster's own directory of Shelter's state (created when first
     * written). It must lie outside the data directory and every volume of the set.
     */
    public LocalClusterControl(String name, LocalTarget target, List<VolumeSpec> volumes, Path stateDirectory) {
        this.name = name;
        this.target = target;
        this.volumes = List.copyOf(volumes);
        this.server = new LocalServer(target);
        this.stateDirectory = stateDirectory.toAbsolutePath().normalize();
        refuseInsideTheBackupSet(this.stateDirectory);
    }

    private void refuseInsideTheBackupSet(Path state) {
        List<Path> taken = new java.util.ArrayList<>(List.of(target.dataDirectory()));
        volumes.forEach(v -> taken.add(Path.of(v.source())));
        for (Path volume : taken) {
            if (state.startsWith(volume.toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("the state directory " + state + " of local cluster " + name + " is inside "
                        + volume + ", which a rollback takes back in time: give Shelter a directory of its own");
            }
        }
    }

    @Override
    public List<Member> members() {
        if (!server.isRunning()) {
            return List.of();
        }
        MemberRole role = Files.exists(target.dataDirectory().resolve("standby.signal")) ? MemberRole.REPLICA : MemberRole.PRIMARY;
        List<MemberVolume> located = volumes.stream()
                .map(v -> new MemberVolume(v.source(), new VolumeLocation.LocalDirectory(Path.of(v.source())))).toList();
        return List.of(new Member(name, role, Optional.empty(), true, located));
    }

    /** The FATAL, PANIC and WARNING lines of the log the server was started with (log/shelter-pg_ctl.log), the last five. */
    @Override
    public List<String> serverComplaints() {
        Path log = target.dataDirectory().resolve("log").resolve("shelter-pg_ctl.log");
        try (java.util.stream.Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            List<String> complaints = lines.filter(l -> l.contains("FATAL:") || l.contains("PANIC:") || l.contains("WARNING:"))
                    .toList();
            return complaints.subList(Math.max(0, complaints.size() - 5), complaints.size());
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }

    @Override
    public int desiredReplicas() {
        return server.isRunning() ? 1 : 0;
    }

    @Override
    public void scale(int replicas, Duration timeout) {
        if (replicas < 0 || replicas > 1) {
            throw new IllegalArgumentException("a local target runs one server: replicas must be 0 or 1, was " + replicas);
        }
        Instant started = Instant.now();
        try {
            if (replicas == 0) {
                server.stopCleanly();
            } else {
                server.start();
            }
        } catch (IllegalStateException e) {
            throw new ClusterTargetException(ClusterTargetException.Reason.UNAVAILABLE,
                    "cannot scale local cluster " + name + " to " + replicas + ": " + e.getMessage(), e);
        }
        if (Duration.between(started, Instant.now()).compareTo(timeout) > 0) {
            LOG.warn("scaling local cluster {} to {} took longer than {}", name, replicas, timeout);
        }
    }

    @Override
    public synchronized Map<String, String> annotations() {
        Properties properties = readAnnotations();
        Map<String, String> annotations = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> annotations.put(key, properties.getProperty(key)));
        return Map.copyOf(annotations);
    }

    /** Rewritten whole through a temporary file and a rename, so a crash leaves the old or the new set. */
    @Override
    public synchronized void annotate(Map<String, Optional<String>> changes) {
        Properties properties = readAnnotations();
        changes.forEach((key, value) -> {
            if (value.isPresent()) {
                properties.setProperty(key, value.get());
            } else {
                properties.remove(key);
            }
        });
        try {
            Files.createDirectories(stateDirectory);
            Path temporary = stateDirectory.resolve(ANNOTATIONS_FILE + ".tmp");
            try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                properties.store(writer, "annotations of local cluster " + name);
            }
            Files.move(temporary, stateDirectory.resolve(ANNOTATIONS_FILE), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the annotations of local cluster " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void recordEvent(ClusterEvent event) {
        String line = Instant.now() + " " + event.type() + " " + event.reason() + " " + event.message().replace('\n', ' ') + "\n";
        try {
            Files.createDirectories(stateDirectory);
            Files.writeString(stateDirectory.resolve(EVENTS_FILE), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.warn("could not record event {} for {}: {}", event.reason(), name, e.getMessage());
        }
    }

    @Override
    public Optional<NodeMaintenance> nodeMaintenance() {
        return Optional.empty();
    }

    @Override
    public Optional<VolumeJobs> volumeJobs() {
        return Optional.empty();
    }

    /** In-process: the claim is the configured pgdata source, and the file the data directory's own. */
    @Override
    public ControlFile readControlFile(String claim, Duration timeout) {
        boolean pgdata = volumes.stream().anyMatch(v -> v.role() == VolumeRole.PGDATA && v.source().equals(claim));
        if (!pgdata) {
            throw new ClusterTargetException(ClusterTargetException.Reason.NOT_FOUND, "local cluster " + name
                    + " has no pgdata volume " + claim + " (its pgdata is " + volumes.stream()
                    .filter(v -> v.role() == VolumeRole.PGDATA).map(VolumeSpec::source).toList() + ")");
        }
        try {
            return ControlFile.read(target.dataDirectory());
        } catch (UncheckedIOException e) {
            throw new ClusterTargetException(ClusterTargetException.Reason.UNAVAILABLE, e.getMessage(), e);
        }
    }

    private Properties readAnnotations() {
        Properties properties = new Properties();
        Path file = stateDirectory.resolve(ANNOTATIONS_FILE);
        if (Files.exists(file)) {
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        return properties;
    }
}
