package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Plan;
import dev.shelter.runbooks.engine.PlanPreview;
import dev.shelter.runbooks.engine.Run;
import dev.shelter.runbooks.engine.RunId;
import dev.shelter.runbooks.engine.RunJournal;
import dev.shelter.runbooks.engine.RunState;
import dev.shelter.runbooks.engine.RunbookEngine;
import dev.shelter.runbooks.failure.ClusterUnreachableException;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.plan.restore.RestorePlan;
import dev.shelter.runbooks.plan.restore.RestoreRun;
import dev.shelter.runbooks.postgres.ServerFacts;
import dev.shelter.runbooks.restore.ArchivedTimelines;
import dev.shelter.runbooks.restore.BackupChoice;
import dev.shelter.runbooks.restore.RestoreFacts;
import dev.shelter.runbooks.restore.RestorePreflight;
import dev.shelter.runbooks.restore.RestoredMember;
import dev.shelter.runbooks.restore.RestoreRefusedException;
import dev.shelter.runbooks.restore.RestoreTarget;
import dev.shelter.runbooks.restore.UnknownBackupForRestoreException;
import dev.shelter.runbooks.wal.TimelineHistory;
import dev.shelter.storage.snapshot.SnapshotException;
import dev.shelter.storage.snapshot.VolumeSnapshotter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Restores a cluster to a target from one of its backups: reads the request, chooses the backup,
 * checks the target against the archive before anything changes (a refusal changes nothing), then
 * runs the strategy's plan (rollback, or clone and swap) in the background under the cluster's lock. Every restore is a run of the
 * engine, its id the run's, its journal the record GET /restores/{id} shows. A restore that
 * completes is followed by a fresh backup of the restored cluster.
 */
public final class RestoreCluster {

    private static final Logger LOG = LoggerFactory.getLogger(RestoreCluster.class);

    /** The target as asked: exactly one of time, lsn, xid, name, immediate, latest; inclusive and timeline optional. */
    public record TargetOrder(String time, String lsn, Long xid, String name, Boolean inclusive, Boolean immediate, Boolean latest,
                              Long timeline) {
    }

    /** What was asked; a null target with a backup id means the end of that backup; {@code newCluster} only for that strategy. */
    public record Order(String backupId, TargetOrder target, String strategy, String confirm, NewClusters.Order newCluster) {
    }

    /**
     * A restore ready to run, or to show as a dry run: its strategy and plan too, the tag that names
     * what it makes, and the facts it journals beyond the common ones (where a new cluster goes).
     */
    public record Prepared(RestoreRun context, RestorePreflight.Findings findings, String strategy, Plan<RestoreRun> plan, String tag,
                           Map<String, String> placement) {
    }

    private final ClusterRegistry clusters;
    private final BackupCatalog catalog;
    private final RunbookEngine engine;
    private final RestoreRun.Ports ports;
    private final Map<String, RestoreSettings> settings;
    private final TakeBackup takeBackup;
    private final OffsiteAccess offsite;
    private final ExecutorService executor;
    private final Clock clock;
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
    private static final String DEFAULT_STRATEGY = "rollback";
    private static final String NEW_CLUSTER = "new-cluster";
    private static final String FROM_OBJECT_STORE = "from-object-store";
    private static final DateTimeFormatter TAG_TIME = DateTimeFormatter.ofPattern("uuuuMMdd't'HHmmss").withZone(ZoneOffset.UTC);
    private static final SecureRandom TAG_RANDOM = new SecureRandom();
    private final CountDownLatch serving = new CountDownLatch(1);
    /** The new clusters restores made and that are not torn down, by name: their archive_command names them. */
    private final Map<String, ProtectedCluster> newClustersByName = new java.util.concurrent.ConcurrentHashMap<>();

    public RestoreCluster(ClusterRegistry clusters, BackupCatalog catalog, RunbookEngine engine, RestoreRun.Ports ports,
                          Map<String, RestoreSettings> settings, TakeBackup takeBackup, OffsiteAccess offsite, ExecutorService executor,
                          Clock clock) {
        this.clusters = clusters;
        this.catalog = catalog;
        this.engine = engine;
        this.ports = ports;
        this.settings = Map.copyOf(settings);
        this.takeBackup = takeBackup;
        this.offsite = offsite;
        this.executor = executor;
        this.clock = clock;
    }

    /** Begins the restore and returns its journal as begun; 4xx exceptions for anything refused, with nothing changed. */
    public RunJournal start(String clusterName, Order order, String requestedBy) {
        Instant requestedAt = clock.instant();
        Prepared prepared = prepare(clusterName, order, requestedAt);
        if (!isNewCluster(prepared.plan()) && !clusterName.equals(order.confirm())) {
            throw new InvalidRequestException("a restore replaces the data of cluster '" + clusterName + "': to go ahead, send "
                    + "\"confirm\": \"" + clusterName + "\" (or \"dryRun\": true to see what it would do)");
        }
        RestoreRun context = prepared.context();
        Map<String, String> facts = new LinkedHashMap<>(Map.of(
                RestoreFacts.BACKUP, context.backup().id().value(),
                RestoreFacts.TARGET, context.target().encode(),
                RestoreFacts.TIMELINE, Long.toString(context.timeline().id()),
                RestoreFacts.REQUESTED_BY, requestedBy,
                RestoreFacts.STRATEGY, prepared.strategy(),
                RestoreFacts.REQUESTED_AT, requestedAt.toString(),
                RestoreFacts.CLONE_TAG, prepared.tag()));
        facts.putAll(prepared.placement());
        Run<RestoreRun> run = engine.begin(prepared.plan(), context, context.cluster().spec().name(),
                "restore-of-" + context.backup().id(), facts);
        context.newCluster().ifPresent(made -> newClustersByName.put(made.copy().name(), made.copy()));
        executor.submit(() -> execute(run));
        return run.journal();
    }

    /** The backup, target, findings and steps, with nothing changed. */
    public Preview preview(String clusterName, Order order) {
        Prepared prepared = prepare(clusterName, order, clock.instant());
        Map<String, String> facts = new LinkedHashMap<>(prepared.placement());
        facts.put(RestoreFacts.CLONE_TAG, prepared.tag());
        PlanPreview plan = engine.preview(prepared.plan(), prepared.context(), Facts.of(facts));
        return new Preview(prepared, plan);
    }

    /** Names a restore's clones: unique per restore, and valid in RBD image and Kubernetes object names. */
    private static String cloneTag(Instant at) {
        return "r" + TAG_TIME.format(at) + "-" + HexFormat.of().toHexDigits((short) TAG_RANDOM.nextInt(1 << 16));
    }

    /** A dry run's answer. */
    public record Preview(Prepared prepared, PlanPreview plan) {
    }

    public RunJournal show(String id) {
        return find(id).orElseThrow(() -> new UnknownRestoreException(id));
    }

    /** The cluster's restores, newest first. */
    public List<Listed> list(String clusterName) {
        ClusterName name = clusters.require(clusterName).spec().name();
        List<RunJournal> journals = engine.journals(name); // read once: the teardowns are among them
        return journals.stream().filter(j -> RestorePlan.isRestore(j.plan()))
                .sorted(Comparator.comparing(RunJournal::id).reversed())
                .map(restore -> new Listed(restore, latestTeardown(restore, journals))).toList();
    }

    /** A restore as listed, with the teardown of its new cluster if one was asked. */
    public record Listed(RunJournal restore, Optional<RunJournal> teardown) {
    }

    /** Cancels a running restore before its point of no return; after it, cancelling would leave a half-restored cluster. */
    public RunJournal cancel(String id) {
        RunJournal journal = show(id);
        if (journal.state().isFinished()) {
            throw new ConflictException("restore " + id + " has already ended (" + journal.state().name().toLowerCase() + ")");
        }
        if (RestorePlan.isPastPointOfNoReturn(journal.facts())) {
            throw new ConflictException("restore " + id + " has rolled back the volumes of cluster '" + journal.cluster()
                    + "': cancelling now would leave it half-restored; it finishes (" + journal.currentStep() + ")");
        }
        engine.cancel(journal.id());
        return show(id);
    }

    /**
     * Removes the new cluster a restore made: its server, its volumes, its archive; {@code confirm}
     * must name the new cluster. Refused while the restore runs (cancel it: that removes what it
     * made), when it made nothing, and when it is removed already or being removed.
     */
    public RunJournal tearDown(String id, String confirm) {
        RunJournal restore = requireTearDownable(id);
        String name = restore.facts().get(RestoreFacts.NEW_CLUSTER_NAME);
        if (!name.equals(confirm)) {
            throw new InvalidRequestException("this removes new cluster '" + name + "' with its data and its archive: to go ahead, "
                    + "send confirm=" + name + " (or dryRun=true to see what it would do)");
        }
        ProtectedCluster source = clusters.require(restore.cluster().value());
        RestoreRun context = contextOf(restore, source);
        Map<String, String> facts = new LinkedHashMap<>(restore.facts());
        facts.keySet().removeIf(key -> !isRestoreRequest(key));
        facts.put(RestoreFacts.TEARS_DOWN, id);
        facts.put(RestoreFacts.REQUESTED_AT, clock.instant().toString());
        Run<RestoreRun> run = engine.begin(RestorePlan.teardownNewCluster(), context, source.spec().name(), teardownSubject(id), facts);
        newClustersByName.remove(name);
        executor.submit(() -> execute(run));
        return run.journal();
    }

    /** What a teardown would do, with nothing changed. */
    public PlanPreview previewTearDown(String id) {
        RunJournal restore = requireTearDownable(id);
        return engine.preview(RestorePlan.teardownNewCluster(), contextOf(restore, clusters.require(restore.cluster().value())),
                Facts.of(restore.facts()));
    }

    /** The teardown of a restore's new cluster, the latest if several tried. */
    public Optional<RunJournal> teardownOf(RunJournal restore) {
        if (!RestorePlan.NEW_CLUSTER.equals(restore.plan())) {
            return Optional.empty();
        }
        return engine.running(teardownSubject(restore.id().value())).or(() -> latestTeardown(restore, engine.journals(restore.cluster())));
    }

    private static Optional<RunJournal> latestTeardown(RunJournal restore, List<RunJournal> journals) {
        if (!RestorePlan.NEW_CLUSTER.equals(restore.plan())) {
            return Optional.empty();
        }
        return journals.stream().filter(j -> RestorePlan.TEARDOWN_NEW_CLUSTER.equals(j.plan()))
                .filter(j -> restore.id().value().equals(j.facts().get(RestoreFacts.TEARS_DOWN)))
                .max(Comparator.comparing(RunJournal::id));
    }

    /**
     * A new cluster of {@code source} a restore made and that is not torn down: its archive_command
     * archives into it. After a restart it is found again from the restores' journals.
     */
    public ProtectedCluster newCluster(String source, String name) {
        ProtectedCluster known = newClustersByName.get(name);
        if (known != null) {
            return known;
        }
        ProtectedCluster cluster = clusters.require(source);
        RunJournal restore = engine.journals(cluster.spec().name()).stream()
                .filter(j -> RestorePlan.NEW_CLUSTER.equals(j.plan()) && name.equals(j.facts().get(RestoreFacts.NEW_CLUSTER_NAME)))
                .filter(j -> j.state() == RunState.SUCCEEDED || !j.state().isFinished())
                .filter(j -> teardownOf(j).isEmpty())
                .findFirst().orElseThrow(() -> new UnknownClusterException(source + "/new-clusters/" + name));
        ProtectedCluster made = contextOf(restore, cluster).requireNewCluster().copy();
        newClustersByName.put(name, made);
        return made;
    }

    private RunJournal requireTearDownable(String id) {
        RunJournal restore = show(id);
        if (!RestorePlan.NEW_CLUSTER.equals(restore.plan())) {
            throw new ConflictException("restore " + id + " made no new cluster (strategy " + restore.facts().get(RestoreFacts.STRATEGY)
                    + "): there is nothing to tear down");
        }
        if (!restore.state().isFinished()) {
            throw new ConflictException("restore " + id + " is still running: cancel it, which removes what it made so far");
        }
        // A restore that stopped for a human may have left part of its new cluster: the teardown observes and removes what is there.
        if (restore.state() != RunState.SUCCEEDED && restore.state() != RunState.STOPPED) {
            throw new ConflictException("restore " + id + " ended " + restore.state().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
                    + ", and removed what it had made then: there is nothing to tear down");
        }
        teardownOf(restore).filter(t -> t.state() != RunState.STOPPED).ifPresent(t -> {
            throw new ConflictException("the new cluster of restore " + id + " is " + (t.state().isFinished() ? "removed already"
                    : "being removed") + " (teardown " + t.id() + ")");
        });
        return restore;
    }

    private static String teardownSubject(String restoreId) {
        return "teardown-of-" + restoreId;
    }

    /** The facts a restore was asked with, which rebuild its context; not what its steps found. */
    private static boolean isRestoreRequest(String key) {
        return key.equals(RestoreFacts.BACKUP) || key.equals(RestoreFacts.TARGET) || key.equals(RestoreFacts.TIMELINE)
                || key.equals(RestoreFacts.STRATEGY) || key.equals(RestoreFacts.REQUESTED_BY) || key.equals(RestoreFacts.CLONE_TAG)
                || key.equals(RestoreFacts.NEW_CLUSTER_NAME) || key.startsWith(RestoreFacts.NEW_CLUSTER);
    }

    /** After a restart: the context of an unfinished restore, rebuilt from its journal. */
    public RestoreRun contextOf(RunJournal journal, ProtectedCluster cluster) {
        Facts facts = journal.factsView();
        BackupManifest backup = catalog.find(new BackupId(facts.require(RestoreFacts.BACKUP))).orElseThrow(() -> new IllegalStateException(
                "restore " + journal.id() + " starts from backup " + facts.require(RestoreFacts.BACKUP) + ", which the catalog no longer has"));
        RestoreSettings restore = settingsOf(cluster);
        Optional<NewClusters.Placed> placed = facts.get(RestoreFacts.NEW_CLUSTER_NAME).map(name -> restore.newClusters().orElseThrow(
                () -> new IllegalStateException("restore " + journal.id() + " made a new cluster, and the configuration of "
                        + cluster.name() + " no longer allows one")).place(cluster, name, placementOf(journal.facts())));
        return runOf(cluster, restore, backup, RestoreTarget.decode(facts.require(RestoreFacts.TARGET)),
                new Timeline(Long.parseLong(facts.require(RestoreFacts.TIMELINE))), journal.plan(), placed);
    }

    /** The restore's context: what the request or journal decided (the plan too), with what the cluster's configuration gives. */
    private RestoreRun runOf(ProtectedCluster cluster, RestoreSettings restore, BackupManifest backup, RestoreTarget target,
                             Timeline timeline, String plan, Optional<NewClusters.Placed> placed) {
        boolean fromObjectStore = RestorePlan.FROM_OBJECT_STORE.equals(plan);
        boolean cloneSwap = fromObjectStore || RestorePlan.CLONE_SWAP.equals(plan);
        Optional<RestoreRun.FromObjectStore> repository = fromObjectStore
                ? Optional.of(new RestoreRun.FromObjectStore(offsite.open(), offsite.parallelFetches())) : Optional.empty();
        return new RestoreRun(cluster, backup, target, timeline, ports,
                placed.map(NewClusters.Placed::recoveryFiles).orElseGet(() -> restore.recoveryFiles().orElseThrow()),
                restore.restoreCommand().orElseThrow(), restore.recoveryTimeout(), placed.isPresent() ? Optional.empty() : restore.ha(),
                restore.checks(), cloneSwap ? Optional.of(restore.cloneSwap().orElseThrow()) : Optional.empty(),
                placed.map(NewClusters.Placed::newCluster), repository, clock);
    }

    /** The journal's placement facts, without their prefix. */
    private static Map<String, String> placementOf(Map<String, String> facts) {
        Map<String, String> placement = new LinkedHashMap<>();
        facts.forEach((key, value) -> {
            if (key.startsWith(RestoreFacts.NEW_CLUSTER)) {
                placement.put(key.substring(RestoreFacts.NEW_CLUSTER.length()), value);
            }
        });
        return placement;
    }

    private static boolean isNewCluster(Plan<RestoreRun> plan) {
        return plan.name().equals(RestorePlan.NEW_CLUSTER);
    }

    /**
     * Resumes an interrupted restore in the background: its server fetches WAL from this Shelter,
     * which must be serving by then. Its unfinished journal keeps holding the cluster meanwhile.
     */
    public void resume(RunJournal journal, ProtectedCluster cluster) {
        Plan<RestoreRun> plan = RestorePlan.named(journal.plan()).orElseThrow();
        RestoreRun context = contextOf(journal, cluster);
        if (RestorePlan.NEW_CLUSTER.equals(journal.plan())) {
            context.newCluster().ifPresent(made -> newClustersByName.put(made.copy().name(), made.copy()));
        }
        executor.submit(() -> {
            try {
                if (!serving.await(5, TimeUnit.MINUTES)) {
                    LOG.warn("Shelter's API is not serving after 5 minutes; resuming restore {} anyway", journal.id());
                }
                afterwards(engine.resume(journal, plan, context));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.error("restore {} of {} could not be resumed", journal.id(), journal.cluster(), e);
            }
        });
    }

    /** Shelter's API serves from now on: a resumed restore's server can fetch WAL through it. */
    public void serving() {
        serving.countDown();
    }

    private void execute(Run<RestoreRun> run) {
        try {
            afterwards(engine.execute(run));
        } catch (RuntimeException e) {
            LOG.error("restore {} of {} ended with an error the plan did not handle", run.id(), run.cluster(), e);
        }
    }

    /** Rule 9: a fresh backup right after a restore; the restored history has none yet. */
    private void afterwards(RunJournal ended) {
        if (RestorePlan.TEARDOWN_NEW_CLUSTER.equals(ended.plan())) {
            LOG.info("teardown {} of the new cluster of restore {} ended {}{}", ended.id(), ended.facts().get(RestoreFacts.TEARS_DOWN),
                    ended.state(), ended.failure() == null ? "" : ": " + ended.failure());
            return;
        }
        if (ended.state() != RunState.SUCCEEDED) {
            LOG.warn("restore {} of {} ended {}: {}", ended.id(), ended.cluster(), ended.state(), ended.failure());
            if (ended.state() != RunState.STOPPED) {
                Optional.ofNullable(ended.facts().get(RestoreFacts.NEW_CLUSTER_NAME)).ifPresent(newClustersByName::remove); // removed
            }
            return;
        }
        if (RestorePlan.NEW_CLUSTER.equals(ended.plan())) {
            LOG.info("restore {} of {} made new cluster {} ({}); the source was not touched", ended.id(), ended.cluster(),
                    ended.facts().get(RestoreFacts.NEW_CLUSTER_NAME), ended.facts().get(RestoreFacts.RECOVERY_STOPPED));
            return;
        }
        LOG.info("restore {} of {} completed ({}); taking a fresh backup", ended.id(), ended.cluster(),
                ended.facts().get(RestoreFacts.RECOVERY_STOPPED));
        try {
            takeBackup.start(ended.cluster().value(), new TakeBackup.Order("online", "after restore " + ended.id(), true, null));
        } catch (RuntimeException e) {
            LOG.error("restore {} of {} completed, but the fresh backup after it could not start: {}", ended.id(), ended.cluster(),
                    e.getMessage());
        }
    }

    private Optional<RunJournal> find(String id) {
        if (!RunId.isWellFormed(id)) {
            return Optional.empty();
        }
        RunId runId = new RunId(id);
        // The live journal first: it answers while the object store does not. Then one read per cluster, not every journal.
        Optional<RunJournal> journal = engine.active(runId);
        if (journal.isEmpty()) {
            journal = clusters.all().stream().map(cluster -> engine.find(cluster.spec().name(), runId)).flatMap(Optional::stream)
                    .findFirst();
        }
        return journal.filter(j -> RestorePlan.isRestore(j.plan()));
    }

    private Prepared prepare(String clusterName, Order order, Instant requestedAt) {
        ProtectedCluster cluster = clusters.require(clusterName);
        String asked = order.strategy();
        if (asked != null && RestorePlan.forStrategy(asked).isEmpty()) {
            throw new InvalidRequestException("strategy must be \"rollback\", \"clone-swap\", \"new-cluster\" or \"from-object-store\", not \""
                    + asked + "\"");
        }
        boolean newCluster = NEW_CLUSTER.equals(asked);
        if (order.newCluster() != null && !newCluster) {
            throw new InvalidRequestException("\"newCluster\" goes with \"strategy\": \"new-cluster\" only");
        }
        RestoreTarget target = RestoreTargets.parse(order.target(), order.backupId() != null);
        RestoreSettings restore = settingsOf(cluster);
        restore.refusal().ifPresent(reason -> {
            throw new ConflictException("cluster '" + clusterName + "' cannot be restored: " + reason);
        });
        String tag = cloneTag(requestedAt);
        Map<String, String> placement = new LinkedHashMap<>();
        Optional<NewClusters.Placed> placed = Optional.empty();
        if (newCluster) {
            restore.newClusterRefusal().ifPresent(reason -> {
                throw new ConflictException("cluster '" + clusterName + "' cannot be restored into a new cluster: " + reason);
            });
            if (order.newCluster() == null) {
                throw new InvalidRequestException("\"strategy\": \"new-cluster\" needs \"newCluster\": where to put it");
            }
            NewClusters newClusters = restore.newClusters().orElseThrow();
            Map<String, String> placedAs = newClusters.facts(order.newCluster());
            String name = newClusterName(clusterName, order.newCluster().name(), tag);
            requireUnusedName(name);
            placement.put(RestoreFacts.NEW_CLUSTER_NAME, name);
            placedAs.forEach((key, value) -> placement.put(RestoreFacts.NEW_CLUSTER + key, value));
            placed = Optional.of(newClusters.place(cluster, name, placedAs));
            placed.get().newCluster().placement().reach().forEach((key, value) -> placement.put(RestoreFacts.NEW_CLUSTER_REACH + key, value));
        }
        List<BackupManifest> backups = catalog.list(cluster.spec().name(), Optional.empty(), 0, Integer.MAX_VALUE).items();
        try {
            ArchivedTimelines timelines = new ArchivedTimelines(cluster.walArchive());
            Timeline timeline = order.target() != null && order.target().timeline() != null ? new Timeline(order.target().timeline())
                    : timelines.newest(newestBackupTimeline(backups));
            TimelineHistory along = timelines.historyOf(timeline);
            BackupManifest backup = BackupChoice.choose(backups, target, along,
                    Optional.ofNullable(order.backupId()).map(RestoreCluster::backupId));
            boolean snapshotsThere = snapshotsThere(cluster, backup);
            String strategy = asked != null ? asked : !snapshotsThere && backup.offsite() != null ? FROM_OBJECT_STORE : DEFAULT_STRATEGY;
            if (!snapshotsThere && !FROM_OBJECT_STORE.equals(strategy)) {
                throw new RestoreRefusedException("the snapshots of backup " + backup.id() + " are gone from "
                        + cluster.snapshotter().describe() + (backup.offsite() != null ? "; it has an off-site copy: "
                        + "\"strategy\": \"from-object-store\" restores from it" : ", and it has no off-site copy"));
            }
            Plan<RestoreRun> plan = RestorePlan.forStrategy(strategy).orElseThrow();
            if (plan.name().equals(RestorePlan.CLONE_SWAP) || plan.name().equals(RestorePlan.FROM_OBJECT_STORE)) {
                restore.cloneSwapRefusal().ifPresent(reason -> {
                    throw new ConflictException("cluster '" + clusterName + "' cannot be restored by " + strategy + ": " + reason
                            + (snapshotsThere ? "; \"strategy\": \"rollback\" can" : ""));
                });
            }
            RestoreRun context = runOf(cluster, restore, backup, target, timeline, plan.name(), placed);
            context.requireRestorableBackup();
            context.ha().ifPresent(ha -> RestoredMember.requireLeading(ha, cluster.spec().postgres(), clusterName));
            RestorePreflight.Findings findings = RestorePreflight.check(backup, target, along, cluster.walArchive(),
                    placed.isPresent() ? Optional.empty() : writtenOn(cluster, timeline));
            if (asked == null && FROM_OBJECT_STORE.equals(strategy)) {
                List<String> notes = new java.util.ArrayList<>(findings.notes());
                notes.add(0, "the snapshots of backup " + backup.id() + " are gone: it is restored from its off-site copy "
                        + "(strategy from-object-store)");
                findings = new RestorePreflight.Findings(findings.replayableTo(), findings.segments(), notes);
            }
            return new Prepared(context, findings, strategy, plan, tag, Map.copyOf(placement));
        } catch (UnknownBackupForRestoreException e) {
            throw new UnknownBackupException(order.backupId());
        } catch (RestoreRefusedException e) {
            throw new RestoreNotPossibleException(e.getMessage() + "; nothing was changed", e);
        }
    }

    /** Whether every snapshot of the backup set is still there; a volume gone with its snapshots counts as none. */
    private static boolean snapshotsThere(ProtectedCluster cluster, BackupManifest backup) {
        VolumeSnapshotter snapshotter = cluster.snapshotter();
        for (VolumeSnapshot snapshot : backup.snapshots()) {
            try {
                if (!snapshotter.exists(snapshot.ref())) {
                    return false;
                }
            } catch (SnapshotException e) {
                if (e.reason() != SnapshotException.Reason.NOT_FOUND) {
                    throw e;
                }
                return false;
            }
        }
        return true;
    }

    /** Where the running primary writes, if it answers as one on {@code timeline}: WAL there is archived by the restore's first step. */
    private Optional<Lsn> writtenOn(ProtectedCluster cluster, Timeline timeline) {
        try {
            ServerFacts server = ports.inspector().inspect(cluster.spec().postgres(), PROBE_TIMEOUT);
            return !server.inRecovery() && server.timeline().equals(timeline) ? Optional.ofNullable(server.walLsn()) : Optional.empty();
        } catch (ClusterUnreachableException e) {
            return Optional.empty();
        }
    }

    /** As asked, or the source's name and the restore's tag; a DNS label either way, as Kubernetes names must be. */
    private static String newClusterName(String source, String asked, String tag) {
        String name = asked != null ? asked : source + "-" + tag;
        if (!ClusterName.isValid(name)) {
            throw new InvalidRequestException("newCluster.name: '" + name + "' is not a DNS label (lower case letters, digits and "
                    + "'-', at most 63)" + (asked == null ? "; name the new cluster" : ""));
        }
        return name;
    }

    /** Two new clusters, or a new cluster and a protected one, never share a name: it names their archive and their WAL endpoint. */
    private void requireUnusedName(String name) {
        if (clusters.find(name).isPresent() || newClustersByName.containsKey(name)) {
            throw new ConflictException("a cluster named '" + name + "' exists already; name the new cluster otherwise");
        }
    }

    private static Timeline newestBackupTimeline(List<BackupManifest> backups) {
        return backups.stream().filter(b -> b.state() == BackupState.COMPLETED).map(b -> b.window().timeline())
                .max(Comparator.comparingLong(Timeline::id)).orElse(new Timeline(1));
    }

    private static BackupId backupId(String text) {
        try {
            return new BackupId(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("backupId: " + e.getMessage());
        }
    }

    private RestoreSettings settingsOf(ProtectedCluster cluster) {
        RestoreSettings restore = settings.get(cluster.name());
        if (restore == null) {
            throw new IllegalStateException("no restore settings were wired for cluster " + cluster.name());
        }
        return restore;
    }
}
