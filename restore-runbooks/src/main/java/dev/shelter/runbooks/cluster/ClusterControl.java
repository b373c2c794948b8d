package dev.shelter.runbooks.cluster;

import dev.shelter.runbooks.postgres.ControlFile;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the runbooks do to a cluster's workload, and nothing more: see its members, scale it and
 * wait, read a stopped member's pg_control, mark it, and tell people. One adapter per
 * {@link ClusterTarget} kind, wired for every configured cluster (the only way Shelter changes a
 * cluster's members: an offline backup's stop and start are {@code scale(0)} and back); the
 * optional parts are declared by the adapter, never faked.
 */
public interface ClusterControl {

    /** The members that exist now, ordered by name, with the volumes each one mounts. */
    List<Member> members();

    /** The number of members asked for (a StatefulSet's spec.replicas; 0 or 1 locally). */
    int desiredReplicas();

    /**
     * Asks for {@code replicas} members and waits: for 0, until every member is gone and its
     * PostgreSQL has stopped and released its volumes; for N, until N members are ready.
     *
     * @throws ClusterTargetException TIMEOUT when that takes longer than {@code timeout}
     */
    void scale(int replicas, Duration timeout);

    Map<String, String> annotations();

    /** Sets the annotations with a value and removes those mapped to an empty Optional. */
    void annotate(Map<String, Optional<String>> changes);

    /** Best effort: a failure to record is logged, never fails the operation it describes. */
    void recordEvent(ClusterEvent event);

    Optional<NodeMaintenance> nodeMaintenance();

    Optional<VolumeJobs> volumeJobs();

    /**
     * pg_control of the PGDATA on {@code claim} (a member's volume as {@link #members()} names it, see
     * {@link BackupSetLocator#pgdataClaim}), read through the target while no server runs on it, after
     * {@code scale(0)}: in-process locally; on Kubernetes by a volume job that mounts the claim and
     * prints the file. Parsed by the one reader, so a damaged file is refused here.
     *
     * @throws ClusterTargetException when the file cannot be read there (NOT_FOUND: no pg_control at
     *                                the configured place; TIMEOUT: the job took longer than {@code timeout})
     */
    ControlFile readControlFile(String claim, Duration timeout);

    /**
     * What the cluster's PostgreSQL last said went wrong (its FATAL, PANIC and WARNING lines, newest last), for a
     * failure's message: a restore that stops says why in PostgreSQL's words. Empty where the target
     * cannot read the server's log.
     */
    default List<String> serverComplaints() {
        return List.of();
    }
}
