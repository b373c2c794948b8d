package dev.shelter.runbooks.restore;

/** The names under which a restore's journal keeps what it was asked and what it found. */
public final class RestoreFacts {

    public static final String BACKUP = "backup";
    public static final String TARGET = "target";
    public static final String TIMELINE = "timeline";
    public static final String REQUESTED_BY = "requestedBy";
    public static final String STRATEGY = "strategy";
    public static final String REPLAYABLE_TO = "replayableTo";
    public static final String VOLUMES_ROLLBACK_STARTED_AT = "volumesRollbackStartedAt";
    public static final String PROMOTED_TIMELINE = "promotedTimeline";
    public static final String PROMOTED_AT = "promotedAt";
    public static final String RECOVERY_STOPPED = "recoveryStopped";
    /** When the request came: the start of the restore's RTO. */
    public static final String REQUESTED_AT = "requestedAt";
    /** Names a clone-and-swap restore's clones and set-aside originals, unique per restore. */
    public static final String CLONE_TAG = "cloneTag";
    /** When a clone-and-swap restore committed: from then on its originals are only kept, never swapped back. */
    public static final String ORIGINALS_KEPT_UNTIL = "originalsKeptUntil";
    /** Prefix of the kept originals, one fact per volume ({@code keptOriginal.0}…). */
    public static final String KEPT_ORIGINAL = "keptOriginal.";

    /** A restore into a new cluster: the new cluster's name. */
    public static final String NEW_CLUSTER_NAME = "newClusterName";
    /** Prefix of where a restore into a new cluster puts it, as asked ({@code newCluster.port}…). */
    public static final String NEW_CLUSTER = "newCluster.";
    /** Prefix of how a client reaches the new cluster ({@code newClusterReach.jdbcUrl}…), for the answer. */
    public static final String NEW_CLUSTER_REACH = "newClusterReach.";
    /** A teardown's fact: the id of the restore whose new cluster it removes. */
    public static final String TEARS_DOWN = "tearsDown";

    private RestoreFacts() {
    }
}
