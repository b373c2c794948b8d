package dev.shelter.service.app;

import ch.qos.logback.access.common.spi.IAccessEvent;
import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.catalog.BackupIndex;
import dev.shelter.runbooks.catalog.BlobJournalStore;
import dev.shelter.runbooks.catalog.BlobManifestStore;
import dev.shelter.runbooks.catalog.InMemoryBackupIndex;
import dev.shelter.runbooks.catalog.InMemoryLeases;
import dev.shelter.runbooks.catalog.JournalCodec;
import dev.shelter.runbooks.catalog.Leases;
import dev.shelter.runbooks.catalog.ManifestCodec;
import dev.shelter.runbooks.cluster.BackupHook;
import dev.shelter.runbooks.cluster.ClusterControl;
import dev.shelter.runbooks.cluster.ClusterSpec;
import dev.shelter.runbooks.cluster.KubernetesTarget;
import dev.shelter.runbooks.cluster.LocalTarget;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.engine.RunJournal;
import dev.shelter.runbooks.engine.RunbookEngine;
import dev.shelter.runbooks.kubernetes.KubernetesClusterControl;
import dev.shelter.runbooks.kubernetes.KubernetesLeases;
import dev.shelter.runbooks.local.LocalClusterControl;
import dev.shelter.runbooks.plan.offsite.ExportSettings;
import dev.shelter.runbooks.plan.restore.RestoreRun;
import dev.shelter.runbooks.postgres.PostgresControl;
import dev.shelter.runbooks.postgres.ServerInspector;
import dev.shelter.runbooks.restore.RecoveryFilesTarget;
import dev.shelter.runbooks.restore.RestoreCommand;
import dev.shelter.runbooks.restore.VolumeSwap;
import dev.shelter.runbooks.retention.RetentionPolicy;
import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.runbooks.wal.WalArchiveInspection;
import dev.shelter.runbooks.wal.WalStreamArchive;
import dev.shelter.scheduler.FireLedger;
import dev.shelter.scheduler.InMemoryFireLedger;
import dev.shelter.scheduler.ScheduleKind;
import dev.shelter.scheduler.ScheduledWork;
import dev.shelter.scheduler.quartz.QuartzSchedules;
import dev.shelter.scheduler.quartz.QuartzStore;
import dev.shelter.service.api.StrictJson;
import dev.shelter.service.auth.Caller;
import dev.shelter.service.auth.RoleAuthorizer;
import dev.shelter.service.auth.TokenAuthenticator;
import dev.shelter.service.cli.BackupCommand;
import dev.shelter.service.cli.HelpCommand;
import dev.shelter.service.config.ClusterConfig;
import dev.shelter.service.config.HookConfig;
import dev.shelter.service.config.KubernetesTargetConfig;
import dev.shelter.service.config.LocalDirectorySnapshotsConfig;
import dev.shelter.service.config.OffsiteConfig;
import dev.shelter.service.config.PatroniConfig;
import dev.shelter.service.config.RestoreConfig;
import dev.shelter.service.config.SchedulesConfig;
import dev.shelter.service.config.ShelterConfiguration;
import dev.shelter.service.config.WalReadAheadConfig;
import dev.shelter.service.config.WalReceiverConfig;
import dev.shelter.service.core.ArchiveWalFile;
import dev.shelter.service.core.BackupEvents;
import dev.shelter.service.core.BackupListener;
import dev.shelter.service.core.ClusterRegistry;
import dev.shelter.service.core.DeleteBackup;
import dev.shelter.service.core.ExportAfterBackup;
import dev.shelter.service.core.CollectOffsiteGarbage;
import dev.shelter.service.core.ExportBackup;
import dev.shelter.service.core.OffsiteFailures;
import dev.shelter.service.core.ScheduledOffsiteScrub;
import dev.shelter.service.core.ScrubBackup;
import dev.shelter.service.core.OffsiteAccess;
import dev.shelter.service.core.FetchWalFile;
import dev.shelter.service.core.InspectCluster;
import dev.shelter.service.core.ManageSchedules;
import dev.shelter.service.core.NewClusters;
import dev.shelter.service.core.ProtectBackup;
import dev.shelter.service.core.RecoverInterruptedBackups;
import dev.shelter.service.core.RemoveExpiredOriginals;
import dev.shelter.service.core.RestoreCluster;
import dev.shelter.service.core.RestoreSettings;
import dev.shelter.service.core.ResumeInterruptedRuns;
import dev.shelter.service.core.ScheduledBackup;
import dev.shelter.service.core.ScheduledRetentionSweep;
import dev.shelter.service.core.ScheduledWorkByKind;
import dev.shelter.service.core.ShowBackups;
import dev.shelter.service.core.SweepRetention;
import dev.shelter.service.core.TakeBackup;
import dev.shelter.service.core.WalReadAhead;
import dev.shelter.service.edge.AdminAccessFilter;
import dev.shelter.service.edge.ClientGoneLogFilter;
import dev.shelter.service.edge.JsonBodyGuard;
import dev.shelter.service.edge.MethodRefusal;
import dev.shelter.service.edge.QueryTokenRefusal;
import dev.shelter.service.edge.RefusedUploadDrain;
import dev.shelter.service.edge.UnpooledHttpConnectorFactory;
import dev.shelter.service.errors.ConstraintViolationMapper;
import dev.shelter.service.errors.DomainErrorMapper;
import dev.shelter.service.errors.JsonErrorHandler;
import dev.shelter.service.errors.MalformedJsonMapper;
import dev.shelter.service.health.BackupAgeHealthCheck;
import dev.shelter.service.health.CephPoolHealthCheck;
import dev.shelter.service.health.ClockSkewHealthCheck;
import dev.shelter.service.health.ClusterTargetHealthCheck;
import dev.shelter.service.health.ObjectStoreHealthCheck;
import dev.shelter.service.health.PostgresHealthCheck;
import dev.shelter.service.health.WalHealthCheck;
import dev.shelter.service.hooks.HttpHook;
import dev.shelter.service.hooks.SqlHook;
import dev.shelter.service.metrics.BackupMetrics;
import dev.shelter.service.metrics.CountedFireLedger;
import dev.shelter.service.metrics.LeaseMetrics;
import dev.shelter.service.metrics.RetentionMetrics;
import dev.shelter.service.metrics.WalContinuityMetrics;
import dev.shelter.service.metrics.WalMetrics;
import dev.shelter.service.postgres.JdbcBackupIndex;
import dev.shelter.service.postgres.JdbcClockSkew;
import dev.shelter.service.postgres.JdbcFireLedger;
import dev.shelter.service.postgres.JdbcLeases;
import dev.shelter.service.postgres.JdbcPostgresControl;
import dev.shelter.service.postgres.JdbcRecoveryWatch;
import dev.shelter.service.postgres.JdbcServerInspector;
import dev.shelter.service.postgres.PgReplicationProbe;
import dev.shelter.service.postgres.PgWalStreamSource;
import dev.shelter.service.resources.BackupListWriter;
import dev.shelter.service.resources.BackupsResource;
import dev.shelter.service.resources.ClusterBackupsResource;
import dev.shelter.service.resources.ClusterRestoresResource;
import dev.shelter.service.resources.ClusterRetentionResource;
import dev.shelter.service.resources.ClusterSchedulesResource;
import dev.shelter.service.resources.ClustersResource;
import dev.shelter.service.resources.OffsiteResource;
import dev.shelter.service.resources.NewClusterWalResource;
import dev.shelter.service.resources.OpenApiResource;
import dev.shelter.service.resources.RestoresResource;
import dev.shelter.service.resources.SchedulesResource;
import dev.shelter.service.resources.WalResource;
import dev.shelter.service.schedules.BlobScheduleDocuments;
import dev.shelter.service.wal.LeasedWalReceiver;
import dev.shelter.service.wal.PlainWalArchive;
import dev.shelter.service.wal.ShelterWalArchive;
import dev.shelter.service.wal.ShowWalStatus;
import dev.shelter.service.wal.WalMonitor;
import dev.shelter.service.wal.WalReceiver;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.offsite.MasterKey;
import dev.shelter.storage.offsite.OffsiteRepository;
import dev.shelter.storage.rbd.RbdSnapshotter;
import dev.shelter.storage.snapshot.VolumeSnapshotter;
import dev.shelter.storage.snapshot.local.LocalDirSnapshotter;
import dev.shelter.storage.snapshot.local.LocalDirSnapshotterConfig;
import io.dropwizard.auth.AuthDynamicFeature;
import io.dropwizard.auth.AuthValueFactoryProvider;
import io.dropwizard.auth.JSONUnauthorizedHandler;
import io.dropwizard.auth.oauth.OAuthCredentialAuthFilter;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.server.AbstractServerFactory;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.dropwizard.logging.common.AbstractAppenderFactory;
import io.dropwizard.logging.common.AppenderFactory;
import io.dropwizard.request.logging.LogbackAccessRequestLogFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.prometheus.metrics.exporter.servlet.jakarta.PrometheusMetricsServlet;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.servlet.DispatcherType;
import org.glassfish.jersey.server.ServerProperties;
import org.glassfish.jersey.server.filter.RolesAllowedDynamicFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Shelter's entry point and composition root: every adapter is built and wired here, by hand. */
public final class ShelterApplication extends Application<ShelterConfiguration> {

    private static final Logger LOG = LoggerFactory.getLogger(ShelterApplication.class);
    /**
     * A cluster's run lease: renewed every fifth of this while a replica runs a plan on it; when the
     * replica dies, another takes its unfinished runs over within about 1.5 times this.
     */
    private static final Duration RUN_LEASE_TERM = Duration.ofSeconds(10);

    public static void main(String[] args) throws Exception {
        new ShelterApplication().run(args);
    }

    @Override
    public String getName() {
        return "shelter";
    }

    @Override
    public void initialize(Bootstrap<ShelterConfiguration> bootstrap) {
        // ${VAR} and ${VAR:-default} in the YAML; an unset variable without a default is an error.
        bootstrap.setConfigurationSourceProvider(new SubstitutingSourceProvider(
                bootstrap.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(true)));
        UnpooledHttpConnectorFactory.replaceStockConnectors(bootstrap.getObjectMapper());
        bootstrap.addCommand(new BackupCommand(System.out, System.getenv()));
        bootstrap.addCommand(new CatalogCommand(System.out));
        // Named in full: RestoreCommand alone is the runbooks' restore_command, imported above.
        bootstrap.addCommand(new dev.shelter.service.cli.RestoreCommand(System.out, System.getenv()));
        bootstrap.addCommand(new RestorePrepareCommand(System.out));
        bootstrap.addCommand(new dev.shelter.service.cli.ScheduleCommand(System.out, System.getenv()));
        bootstrap.addCommand(new dev.shelter.service.cli.RetentionCommand(System.out, System.getenv()));
        bootstrap.addCommand(new HelpCommand(System.out, System.err));
    }

    @Override
    public void run(ShelterConfiguration config, Environment environment) {
        // A request is read exactly as written or refused: no duplicate keys, no coercion, no unknown fields.
        StrictJson.configure(environment.getObjectMapper());
        // Times are ISO-8601 strings, as the OpenAPI document says, not epoch numbers.
        environment.getObjectMapper().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        BlobStore objectStore = config.objectStore.open();
        environment.lifecycle().manage(closing(objectStore));
        ServerInspector inspector = new JdbcServerInspector();
        PostgresControl postgres = new JdbcPostgresControl();
        Clock clock = Clock.systemUTC();

        BackupCatalog catalog = openCatalog(config, objectStore);
        PrometheusRegistry prometheus = new PrometheusRegistry();
        Map<String, ProtectedCluster> protectedClusters = protectClusters(config, environment, objectStore, postgres);
        ClusterRegistry clusters = new ClusterRegistry(List.copyOf(protectedClusters.values()));
        BackupMetrics metrics = new BackupMetrics(prometheus, catalog, clock);
        Leases leases = leases(config, clock);
        RunbookEngine engine = new RunbookEngine(new BlobJournalStore(objectStore, new JournalCodec()), clock, runHolder(), leases,
                RUN_LEASE_TERM);
        Failpoint.fromSystemProperty().ifPresent(engine::observeSteps);
        ExecutorService exportThreads = environment.lifecycle().executorService("export-%d")
                .minThreads(protectedClusters.size()).maxThreads(protectedClusters.size()).build();
        OffsiteAccess offsite = offsiteAccess(config, objectStore);
        OffsiteFailures offsiteFailures = new OffsiteFailures();
        ExportBackup exportBackup = new ExportBackup(clusters, catalog, engine, offsite, offsiteFailures, exportSettings(config),
                exportThreads, clock);
        ScrubBackup scrubBackup = new ScrubBackup(clusters, catalog, engine, offsite, offsiteFailures, exportThreads, clock);
        BackupListener backupEnded = BackupListener.all(metrics, new BackupEvents(protectedClusters),
                new ExportAfterBackup(config.clusters.stream().filter(c -> c.backups.exportOffsite).map(c -> c.name)
                        .collect(Collectors.toSet()), exportBackup));
        ExecutorService backupThreads = environment.lifecycle().executorService("backup-%d")
                .minThreads(protectedClusters.size()).maxThreads(protectedClusters.size()).build();
        ExecutorService restoreThreads = environment.lifecycle().executorService("restore-%d")
                .minThreads(protectedClusters.size()).maxThreads(protectedClusters.size()).build();
        Map<String, RestoreSettings> restoreSettings = restoreSettings(config, protectedClusters, objectStore, clock);
        removeExpiredOriginals(restoreSettings, environment, clock);
        RestoreCluster restoreCluster = new RestoreCluster(clusters, catalog, engine,
                new RestoreRun.Ports(inspector, postgres, new JdbcRecoveryWatch(inspector)), restoreSettings,
                new TakeBackup(clusters, inspector, postgres, catalog, engine, backupEnded, backupThreads, clock), offsite, restoreThreads,
                clock);
        ResumeInterruptedRuns resumption = new ResumeInterruptedRuns(clusters, engine, postgres, catalog, backupEnded, restoreCluster,
                exportBackup, scrubBackup, clock);
        RecoverInterruptedBackups recovery = new RecoverInterruptedBackups(protectedClusters, postgres, catalog, clock);
        environment.lifecycle().manage(new Managed() {
            private ScheduledExecutorService claims;

            @Override
            public void start() {
                // Before the first request: the index reflects the store, and no run is left half-done.
                catalog.rebuildIndexIfEmpty();
                claims = Executors.newSingleThreadScheduledExecutor(task -> new Thread(task, "run-leases"));
                claims.scheduleWithFixedDelay(engine::renewClaims, 0, RUN_LEASE_TERM.toMillis() / 5, TimeUnit.MILLISECONDS);
                resumption.resume();
                recovery.recover(engine.unfinished().stream().map(RunJournal::subject).collect(Collectors.toSet()));
                // A replica that dies leaves its clusters' run leases to expire: another takes over its runs.
                claims.scheduleWithFixedDelay(() -> {
                    try {
                        resumption.adoptOrphans();
                    } catch (RuntimeException e) {
                        LOG.warn("could not look for runs a dead replica left: {}", e.getMessage());
                    }
                }, RUN_LEASE_TERM.toMillis() / 2, RUN_LEASE_TERM.toMillis() / 2, TimeUnit.MILLISECONDS);
            }

            @Override
            public void stop() throws InterruptedException {
                claims.shutdownNow();
                claims.awaitTermination(30, TimeUnit.SECONDS);
            }
        });

        TokenAuthenticator tokens = tokenAuthenticator(config);
        registerAuthentication(tokens, environment);
        registerErrorHandling(environment);
        registerEdgeGuards(tokens, environment);
        logRequestsWithoutQueries(config);
        environment.jersey().register(new ClustersResource(clusters, new InspectCluster(clusters, inspector)));
        ShowBackups showBackups = new ShowBackups(clusters, catalog, engine, offsiteFailures);
        TakeBackup takeBackup = new TakeBackup(clusters, inspector, postgres, catalog, engine, backupEnded, backupThreads, clock);
        BackupListWriter backupListWriter = new BackupListWriter(environment.getObjectMapper());
        environment.jersey().register(backupListWriter);
        environment.jersey().register(new ClusterBackupsResource(takeBackup, showBackups, backupListWriter));
        DeleteBackup deleteBackup = new DeleteBackup(clusters, catalog, engine, clock);
        SweepRetention sweepRetention = new SweepRetention(clusters, catalog, deleteBackup, retentionPolicies(config),
                new RetentionMetrics(prometheus), clock);
        environment.jersey().register(new ClusterRetentionResource(sweepRetention));
        ManageSchedules manageSchedules = startSchedules(config, environment, clusters, sweepRetention, objectStore,
                new ScheduledWorkByKind(Map.of(ScheduleKind.BACKUP, new ScheduledBackup(takeBackup),
                        ScheduleKind.RETENTION_SWEEP, new ScheduledRetentionSweep(sweepRetention),
                        ScheduleKind.OFFSITE_SCRUB, new ScheduledOffsiteScrub(scrubBackup))), prometheus, clock);
        environment.jersey().register(new ClusterSchedulesResource(manageSchedules));
        environment.jersey().register(new SchedulesResource(manageSchedules));
        environment.jersey().register(new ClusterRestoresResource(restoreCluster));
        environment.jersey().register(new RestoresResource(restoreCluster));
        // A resumed restore starts its server only once this API serves the restore_command it fetches WAL with.
        environment.lifecycle().addServerLifecycleListener(server -> restoreCluster.serving());
        environment.jersey().register(new BackupsResource(showBackups, deleteBackup,
                new ProtectBackup(catalog, engine, deleteBackup, clock), exportBackup, scrubBackup));
        environment.jersey().register(new OffsiteResource(new CollectOffsiteGarbage(catalog, engine, offsite,
                Duration.ofMinutes(config.offsite == null ? 0 : config.offsite.garbageGraceMinutes), clock)));
        WalReceivers walReceivers = startWalReceivers(config, environment, protectedClusters, leases);
        ArchiveWalFile archiveWalFile = new ArchiveWalFile(clusters, inspector, restoreCluster);
        environment.jersey().register(new NewClusterWalResource(archiveWalFile));
        environment.jersey().register(new WalResource(archiveWalFile,
                new FetchWalFile(clusters, walReadAhead(config.walReadAhead, environment, clock)),
                new ShowWalStatus(clusters, walReceivers.monitors(), walReceivers.leased(), catalog)));
        environment.jersey().register(new OpenApiResource());
        registerHealthChecks(config, environment, clusters.all().stream().map(ProtectedCluster::spec).toList(), inspector, objectStore);
        for (ClusterConfig cluster : config.clusters) {
            ClusterName name = new ClusterName(cluster.name);
            metrics.registerCluster(name);
            if (cluster.backups.maxAgeMinutes != null) {
                environment.healthChecks().register("backup-age-" + cluster.name,
                        new BackupAgeHealthCheck(name, Duration.ofMinutes(cluster.backups.maxAgeMinutes), metrics));
            }
        }
        LeaseMetrics.register(prometheus, replicaName(config), () -> leasesHeldHere(engine, walReceivers, clusters));
        WalMetrics.register(prometheus, replicaName(config), walReceivers.monitors());
        countWalGaps(environment, prometheus, protectedClusters);
        registerPrometheus(environment, prometheus);
    }

    /** Each lease this replica knows of (its clusters' run and receiver leases), and whether it holds it now. */
    private static Map<String, Boolean> leasesHeldHere(RunbookEngine engine, WalReceivers receivers, ClusterRegistry clusters) {
        Map<String, Boolean> held = new TreeMap<>();
        Set<ClusterName> claimed = engine.claimedClusters();
        clusters.all().forEach(cluster -> held.put("runs/" + cluster.spec().name().value(), claimed.contains(cluster.spec().name())));
        receivers.leased().forEach((cluster, receiver) -> held.put(LeasedWalReceiver.leaseName(cluster), receiver.lease()
                .filter(lease -> lease.heldBy(receiver.replica())).isPresent()));
        return held;
    }

    /**
     * The scheduler: clustered on the catalog database when there is one (each fire once across
     * replicas), else in memory. It fires only once the service has started, after interrupted
     * runs are resumed and Quartz agrees with the schedules' documents.
     */
    private static ManageSchedules startSchedules(ShelterConfiguration config, Environment environment, ClusterRegistry clusters,
                                                  SweepRetention sweeps, BlobStore objectStore, ScheduledWork work,
                                                  PrometheusRegistry prometheus, Clock clock) {
        SchedulesConfig settings = config.schedules;
        String replica = replicaName(config);
        boolean clustered = "postgres".equals(config.catalog.kind);
        FireLedger ledger;
        QuartzStore store;
        if (clustered) {
            PostgresEndpoint catalogDatabase = config.catalog.postgres.toEndpoint();
            ledger = new CountedFireLedger(new JdbcFireLedger(catalogDatabase), prometheus);
            JdbcClockSkew skew = new JdbcClockSkew(catalogDatabase, clock);
            environment.healthChecks().register("clock-skew", new ClockSkewHealthCheck(skew::atLeast, Duration.ofMillis(500)));
            store = new QuartzStore.ClusteredPostgres(catalogDatabase.jdbcUrl(), catalogDatabase.user(), catalogDatabase.password(),
                    settings.checkInSeconds * 1000);
        } else {
            ledger = new CountedFireLedger(new InMemoryFireLedger(), prometheus);
            store = new QuartzStore.InMemory();
        }
        QuartzSchedules quartz = QuartzSchedules.open(store, replica, settings.threads, Duration.ofSeconds(settings.mostMisfireGraceSeconds),
                work, ledger, clock);
        ManageSchedules manage = new ManageSchedules(clusters, sweeps, new BlobScheduleDocuments(objectStore), quartz, ledger,
                Duration.ofSeconds(settings.defaultMisfireGraceSeconds), Duration.ofSeconds(settings.mostMisfireGraceSeconds), clock);
        environment.lifecycle().manage(new Managed() {
            @Override
            public void start() {
                manage.synchronize();
                quartz.startFiring();
                LOG.info("schedules: firing as replica {} ({})", replica, clustered ? "clustered on the catalog database" : "in memory");
            }

            @Override
            public void stop() {
                quartz.close();
            }
        });
        return manage;
    }

    /**
     * Off-site copies, when configured: the repository under {@code offsite/} of the object store,
     * opened (and made, on first use) when the first export or restore needs it.
     */
    private static OffsiteAccess offsiteAccess(ShelterConfiguration config, BlobStore objectStore) {
        if (config.offsite == null) {
            return OffsiteAccess.none();
        }
        OffsiteConfig offsite = config.offsite;
        Optional<MasterKey> key = Optional.ofNullable(offsite.masterKeyFile).map(file -> MasterKey.fromFile(Path.of(file)));
        return OffsiteAccess.of(() -> {
            OffsiteRepository opened = OffsiteRepository.open(objectStore, key);
            LOG.info("{}", opened.describe());
            return opened;
        }, offsite.parallelFetches);
    }

    private static ExportSettings exportSettings(ShelterConfiguration config) {
        OffsiteConfig offsite = config.offsite;
        return offsite == null ? new ExportSettings(1, 0, 0)
                : new ExportSettings(offsite.parallelUploads, offsite.bandwidthBytesPerSecond, offsite.samplePercent);
    }

    private static Map<String, RetentionPolicy> retentionPolicies(ShelterConfiguration config) {
        Map<String, RetentionPolicy> policies = new LinkedHashMap<>();
        for (ClusterConfig cluster : config.clusters) {
            if (cluster.retention != null) {
                policies.put(cluster.name, cluster.retention.toPolicy());
            }
        }
        return policies;
    }

    /**
     * Shared by the replicas: Lease objects on Kubernetes when a lease namespace is set, else rows
     * of the catalog database; in memory where one process is the only replica.
     */
    private static Leases leases(ShelterConfiguration config, Clock clock) {
        if (config.kubernetes.leaseNamespace != null && !config.kubernetes.leaseNamespace.isBlank()) {
            return new KubernetesLeases(config.kubernetes.toConnection().open(), config.kubernetes.leaseNamespace, clock, System::nanoTime);
        }
        return "postgres".equals(config.catalog.kind) ? new JdbcLeases(config.catalog.postgres.toEndpoint()) : new InMemoryLeases(clock);
    }

    /** This replica's name among the others: in the fire ledger, Quartz and the leases. */
    private static String replicaName(ShelterConfiguration config) {
        return config.schedules.replica != null ? config.schedules.replica : hostName();
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "unknown-host";
        }
    }

    /** Who holds a run's lock, for the journal: this process on this host. */
    private static String runHolder() {
        return "shelter@" + hostName() + ":" + ProcessHandle.current().pid();
    }

    static BackupCatalog openCatalog(ShelterConfiguration config, BlobStore objectStore) {
        ManifestCodec codec = new ManifestCodec();
        BackupIndex index = "postgres".equals(config.catalog.kind)
                ? new JdbcBackupIndex(config.catalog.postgres.toEndpoint(), codec)
                : new InMemoryBackupIndex();
        return new BackupCatalog(new BlobManifestStore(objectStore, codec), index);
    }

    /** restore_command's reads ahead of replay, on a pool of their own (sized by the configuration) that stops with Shelter. */
    private static WalReadAhead walReadAhead(WalReadAheadConfig config, Environment environment, Clock clock) {
        ExecutorService fetches = environment.lifecycle().executorService("wal-read-ahead-%d").minThreads(config.parallel)
                .maxThreads(config.parallel).build();
        return new WalReadAhead(config.segments, fetches, Duration.ofMinutes(2), clock);
    }

    /** The originals clone-and-swap restores kept are removed in the background once their time is up. */
    private static void removeExpiredOriginals(Map<String, RestoreSettings> settings, Environment environment, Clock clock) {
        Map<String, VolumeSwap> swaps = new java.util.HashMap<>();
        List<Duration> keepTimes = new ArrayList<>();
        settings.forEach((cluster, restore) -> restore.cloneSwap().ifPresent(cloneSwap -> {
            swaps.put(cluster, cloneSwap.volumes());
            keepTimes.add(cloneSwap.keepOriginals());
        }));
        if (swaps.isEmpty()) {
            return;
        }
        Duration period = RemoveExpiredOriginals.period(keepTimes);
        environment.lifecycle().scheduledExecutorService("remove-expired-originals").threads(1).build()
                .scheduleWithFixedDelay(new RemoveExpiredOriginals(swaps, clock), 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Per cluster, what its restores need from the configuration, or why it cannot be restored yet. */
    private static Map<String, RestoreSettings> restoreSettings(ShelterConfiguration config,
                                                                Map<String, ProtectedCluster> protectedClusters, BlobStore objectStore,
                                                                Clock clock) {
        Map<String, RestoreSettings> settings = new java.util.HashMap<>();
        for (ClusterConfig cluster : config.clusters) {
            RestoreConfig restore = cluster.restore;
            Optional<String> command = restore.walUrl == null || restore.tokenFile == null ? Optional.empty()
                    : Optional.of(RestoreCommand.curl(restore.walUrl, new ClusterName(cluster.name), restore.tokenFile));
            Optional<RecoveryFilesTarget> files = cluster.target.recoveryFiles(protectedClusters.get(cluster.name), config.kubernetes);
            Optional<String> refusal = command.isEmpty()
                    ? Optional.of("its restore.walUrl and restore.tokenFile are not configured: a restored server fetches WAL "
                    + "from Shelter with them")
                    : files.isEmpty() ? Optional.of("kubernetes.shelterImage is not configured: on Kubernetes a restore writes its "
                    + "recovery files with a job of Shelter's own image")
                    : cluster.patroni != null && cluster.target instanceof KubernetesTargetConfig
                    ? Optional.of("Patroni runs inside its StatefulSet's pods, and rollback restores of such a cluster are not "
                    + "supported yet: a paused Patroni in a rescheduled pod would not start PostgreSQL")
                    : Optional.empty();
            Optional<VolumeSwap> swap = cluster.target.volumeSwap(protectedClusters.get(cluster.name),
                    config.stateDirectoryOf(cluster.name));
            Optional<String> cloneSwapRefusal = swap.isEmpty()
                    ? Optional.of("clone-and-swap restores of a " + cluster.target.toTarget().kind() + " cluster are not supported yet")
                    : cluster.patroni != null ? Optional.of("clone-and-swap restores of a Patroni cluster are not supported yet")
                    : Optional.empty();
            // Locally a new data directory and port; on Kubernetes a StatefulSet of its own, by a job of Shelter's image.
            Optional<NewClusters> newClusters = command.isEmpty() ? Optional.empty()
                    : cluster.target.toTarget() instanceof LocalTarget
                    ? Optional.of(new LocalNewClusters(config.stateDirectoryOf(cluster.name), objectStore, restore.walUrl,
                    restore.tokenFile, clock))
                    : cluster.target instanceof KubernetesTargetConfig && config.kubernetes != null
                    ? config.kubernetes.shelterImage().map(image -> new KubernetesNewClusters(objectStore, restore.walUrl,
                    restore.tokenFile, image, clock))
                    : Optional.empty();
            Optional<String> newClusterRefusal = newClusters.isEmpty()
                    ? Optional.of("restores into a new cluster of a " + cluster.target.toTarget().kind() + " cluster are not supported yet")
                    : cluster.patroni != null ? Optional.of("restores of a Patroni cluster into a new cluster are not supported yet")
                    : Optional.empty();
            settings.put(cluster.name, new RestoreSettings(command, files, Duration.ofMinutes(restore.recoveryTimeoutMinutes),
                    Optional.ofNullable(cluster.patroni).map(PatroniConfig::open), restore.checks, refusal,
                    swap.map(volumes -> new RestoreRun.CloneSwap(volumes, Duration.ofSeconds(restore.keepOriginalsSeconds))),
                    cloneSwapRefusal, newClusters, newClusterRefusal));
        }
        return settings;
    }

    private static Map<String, ProtectedCluster> protectClusters(ShelterConfiguration config, Environment environment,
                                                                 BlobStore objectStore, PostgresControl postgres) {
        Map<String, ProtectedCluster> protectedClusters = new LinkedHashMap<>();
        RbdSnapshotter rbd = null;
        ApiClient kubernetes = null;
        for (ClusterConfig cluster : config.clusters) {
            VolumeSnapshotter snapshotter;
            if (cluster.snapshots instanceof LocalDirectorySnapshotsConfig local) {
                snapshotter = LocalDirSnapshotter.open(new LocalDirSnapshotterConfig(Path.of(local.directory)));
            } else {
                if (rbd == null) {
                    rbd = RbdSnapshotter.open(config.ceph.toCephConfig());
                    environment.lifecycle().manage(closing(rbd));
                }
                snapshotter = rbd;
            }
            ClusterSpec spec = cluster.toSpec();
            BlobStore walStore = objectStore;
            String walPrefix = cluster.walArchive.prefix != null ? cluster.walArchive.prefix : "wal/" + cluster.name + "/";
            if (cluster.walArchive.store != null) {
                walStore = cluster.walArchive.store.open();
                environment.lifecycle().manage(closing(walStore));
                walPrefix = cluster.walArchive.prefix != null ? cluster.walArchive.prefix : "";
            }
            ProtectedCluster.BackupPolicy policy = new ProtectedCluster.BackupPolicy(cluster.backups.allowStandby,
                    Duration.ofSeconds(cluster.backups.walTimeoutSeconds),
                    Optional.ofNullable(cluster.backups.maxAgeMinutes).map(Duration::ofMinutes), cluster.backups.maxSnapshotsPerVolume);
            WalArchive walArchive = "plain".equals(cluster.walArchive.format) ? new PlainWalArchive(walStore, walPrefix)
                    : new ShelterWalArchive(walStore, walPrefix, Clock.systemUTC());
            // Every target has its control: the only way Shelter changes a cluster's members.
            ClusterControl control;
            if (spec.target() instanceof KubernetesTarget kubernetesTarget) {
                if (kubernetes == null) {
                    kubernetes = config.kubernetes.toConnection().open();
                }
                control = new KubernetesClusterControl(kubernetes, kubernetesTarget, ((KubernetesTargetConfig) cluster.target).settings());
                environment.healthChecks().register("cluster-target-" + cluster.name, new ClusterTargetHealthCheck(control));
            } else {
                control = new LocalClusterControl(cluster.name, (LocalTarget) spec.target(), spec.volumes(),
                        config.stateDirectoryOf(cluster.name));
            }
            protectedClusters.put(cluster.name, new ProtectedCluster(spec, control, snapshotter, walArchive,
                    hooks(cluster.hooks.pre, spec, postgres), hooks(cluster.hooks.post, spec, postgres), policy));
        }
        return protectedClusters;
    }

    private static List<BackupHook> hooks(List<HookConfig> configs, ClusterSpec spec, PostgresControl postgres) {
        return configs.stream().map(hook -> hook.sql != null
                ? (BackupHook) new SqlHook(postgres, spec.postgres(), hook.sql, Duration.ofSeconds(hook.timeoutSeconds))
                : new HttpHook(URI.create(hook.url), hook.method, Duration.ofSeconds(hook.timeoutSeconds))).toList();
    }

    private static TokenAuthenticator tokenAuthenticator(ShelterConfiguration config) {
        return new TokenAuthenticator(config.auth.tokens.stream()
                .map(t -> new TokenAuthenticator.Grant(t.name, t.role, t.token.reveal())).toList());
    }

    /** The bearer scheme is matched without regard to case, as RFC 7235 allows ("bearer" works too). */
    private static void registerAuthentication(TokenAuthenticator tokens, Environment environment) {
        environment.jersey().register(new AuthDynamicFeature(new OAuthCredentialAuthFilter.Builder<Caller>()
                .setAuthenticator(tokens)
                .setAuthorizer(new RoleAuthorizer())
                .setPrefix("Bearer")
                .setRealm("shelter")
                .setUnauthorizedHandler(new JSONUnauthorizedHandler())
                .buildAuthFilter()));
        environment.jersey().register(RolesAllowedDynamicFeature.class);
        environment.jersey().register(new AuthValueFactoryProvider.Binder<>(Caller.class));
    }

    private static void registerErrorHandling(Environment environment) {
        environment.jersey().register(new DomainErrorMapper());
        environment.jersey().register(new MalformedJsonMapper());
        environment.jersey().register(new ConstraintViolationMapper());
        environment.getApplicationContext().setErrorHandler(new JsonErrorHandler());
        environment.getAdminContext().setErrorHandler(new JsonErrorHandler());
        environment.lifecycle().addServerLifecycleListener(server -> server.setErrorHandler(new JsonErrorHandler()));
    }

    /**
     * What every request meets before and after its resource: tokens only in the header, request
     * bodies capped and strict, a refused upload read before it is answered, Location headers as
     * the resource wrote them (relative: a Host header is never reflected), the admin port's
     * diagnostics behind an admin token, and an access log without query strings.
     */
    private static void registerEdgeGuards(TokenAuthenticator tokens, Environment environment) {
        environment.jersey().register(new QueryTokenRefusal());
        environment.jersey().register(new JsonBodyGuard(environment.getObjectMapper()));
        environment.jersey().register(new RefusedUploadDrain());
        environment.jersey().register(new MethodRefusal());
        environment.jersey().property(ServerProperties.LOCATION_HEADER_RELATIVE_URI_RESOLUTION_DISABLED, true);
        environment.admin().addFilter("admin-access", new AdminAccessFilter(tokens))
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/*");
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logging) {
            ClientGoneLogFilter clientGone = new ClientGoneLogFilter();
            clientGone.start();
            logging.addTurboFilter(clientGone);
        }
    }

    /** Dropwizard's default access-log line has the request line, query string included; ours has the path only. */
    static final String ACCESS_LOG_FORMAT =
            "%h %l %u [%t{dd/MMM/yyyy:HH:mm:ss Z,UTC}] \"%m %U %H\" %s %b \"%i{Referer}\" \"%i{User-Agent}\" %D";

    private static void logRequestsWithoutQueries(ShelterConfiguration config) {
        if (config.getServerFactory() instanceof AbstractServerFactory server
                && server.getRequestLogFactory() instanceof LogbackAccessRequestLogFactory requestLog) {
            for (AppenderFactory<IAccessEvent> appender : requestLog.getAppenders()) {
                if (appender instanceof AbstractAppenderFactory<IAccessEvent> formatted && formatted.getLogFormat() == null) {
                    formatted.setLogFormat(ACCESS_LOG_FORMAT);
                }
            }
        }
    }

    private static void registerHealthChecks(ShelterConfiguration config, Environment environment, List<ClusterSpec> clusters,
                                             ServerInspector inspector, BlobStore objectStore) {
        for (ClusterSpec cluster : clusters) {
            environment.healthChecks().register("postgres-" + cluster.name().value(), new PostgresHealthCheck(cluster, inspector));
        }
        environment.healthChecks().register("object-store", new ObjectStoreHealthCheck(objectStore));
        if (config.ceph != null) {
            environment.healthChecks().register("ceph-pool", new CephPoolHealthCheck(config.ceph.toCephConfig()));
        }
    }

    /**
     * Prometheus text exposition of the Dropwizard metrics, on the admin port at /prometheus.
     * Jersey's "<method>.total" timers are left out: Prometheus naming strips a "_total" suffix,
     * so each would collide with its "<method>" timer and fail the whole scrape.
     */
    private static void registerPrometheus(Environment environment, PrometheusRegistry registry) {
        registry.register(new DropwizardExports(environment.metrics(), (name, metric) -> !name.endsWith(".total")));
        environment.admin().addServlet("prometheus", new PrometheusMetricsServlet(registry)).addMapping("/prometheus");
    }

    /** The gaps of each archive that can tell them (Shelter's layout), counted every minute: a count lists the archive. */
    private static void countWalGaps(Environment environment, PrometheusRegistry prometheus,
                                     Map<String, ProtectedCluster> protectedClusters) {
        Map<String, WalArchiveInspection> inspected = new LinkedHashMap<>();
        protectedClusters.forEach((name, cluster) -> cluster.walArchive().inspection().ifPresent(archive -> inspected.put(name, archive)));
        if (!inspected.isEmpty()) {
            WalContinuityMetrics continuity = new WalContinuityMetrics(prometheus, inspected);
            environment.lifecycle().scheduledExecutorService("wal-continuity-%d").threads(1).build()
                    .scheduleWithFixedDelay(continuity::refresh, 5, 60, TimeUnit.SECONDS);
        }
    }

    /** Each cluster's receiver on the replica that holds its lease, and its monitor on every replica. */
    private record WalReceivers(Map<String, WalMonitor> monitors, Map<String, LeasedWalReceiver> leased) {
    }

    /**
     * A receiver per cluster that asks for one, run by whichever replica holds the cluster's
     * receiver lease; its monitor sampled every few seconds, its metrics and health check.
     */
    private static WalReceivers startWalReceivers(ShelterConfiguration config, Environment environment,
                                                  Map<String, ProtectedCluster> protectedClusters, Leases leases) {
        Map<String, WalMonitor> monitors = new LinkedHashMap<>();
        Map<String, LeasedWalReceiver> leased = new LinkedHashMap<>();
        Duration shortestTerm = null;
        // One budget for all clusters: many catching up at once must not hold more segments than the heap takes.
        Semaphore uploadMemory = new Semaphore(WalReceiver.segmentsThatFit(Runtime.getRuntime().maxMemory()));
        for (ClusterConfig cluster : config.clusters) {
            WalReceiverConfig receiverConfig = cluster.walArchive.receiver;
            if (!receiverConfig.enabled) {
                continue;
            }
            ProtectedCluster protectedCluster = protectedClusters.get(cluster.name);
            WalStreamArchive archive = protectedCluster.walArchive().streaming().orElseThrow(() -> new IllegalStateException(
                    "the WAL archive of " + cluster.name + " (" + protectedCluster.walArchive().describe() + ") cannot take a "
                            + "stream; the WAL receiver needs walArchive.format: shelter"));
            String slot = receiverConfig.slotFor(cluster.name);
            Duration term = Duration.ofSeconds(receiverConfig.leaseSeconds);
            shortestTerm = shortestTerm == null || term.compareTo(shortestTerm) < 0 ? term : shortestTerm;
            LeasedWalReceiver receiver = new LeasedWalReceiver(cluster.name, slot, replicaName(config), leases, term,
                    () -> new WalReceiver(cluster.name, slot, new PgWalStreamSource(protectedCluster.spec().postgres()), archive,
                            Duration.ofMillis(receiverConfig.flushIntervalMillis), receiverConfig.parallelUploads, uploadMemory,
                            Clock.systemUTC()),
                    System::nanoTime);
            leased.put(cluster.name, receiver);
            PgReplicationProbe probe = new PgReplicationProbe(protectedCluster.spec().postgres());
            environment.lifecycle().manage(closing(probe)); // registered before the sampler: stopped after it
            WalMonitor monitor = new WalMonitor(cluster.name, slot, receiver::status, probe, Duration.ofSeconds(receiverConfig.maxRpoSeconds),
                    receiverConfig.maxSlotRetainedBytes, Clock.systemUTC());
            monitors.put(cluster.name, monitor);
            environment.healthChecks().register("wal-" + cluster.name, new WalHealthCheck(monitor));
        }
        if (!monitors.isEmpty()) {
            ScheduledExecutorService sampler = environment.lifecycle().scheduledExecutorService("wal-monitor-%d").threads(1).build();
            sampler.scheduleWithFixedDelay(() -> monitors.values().forEach(WalMonitor::sample), 1, 5, TimeUnit.SECONDS);
            environment.lifecycle().manage(holdingLeases(List.copyOf(leased.values()), LeasedWalReceiver.renewalInterval(shortestTerm)));
        }
        return new WalReceivers(monitors, leased);
    }

    /** Ticks every lease on a thread of its own; on stop, each receiver stops and its lease is given up. */
    private static Managed holdingLeases(List<LeasedWalReceiver> receivers, Duration every) {
        return new Managed() {
            private ScheduledExecutorService ticker;

            @Override
            public void start() {
                ticker = Executors.newSingleThreadScheduledExecutor(task -> new Thread(task, "wal-leases"));
                ticker.scheduleWithFixedDelay(() -> receivers.forEach(LeasedWalReceiver::tick), 0, every.toMillis(),
                        TimeUnit.MILLISECONDS);
            }

            @Override
            public void stop() throws InterruptedException {
                ticker.shutdownNow();
                ticker.awaitTermination(30, TimeUnit.SECONDS);
                receivers.forEach(LeasedWalReceiver::relinquish);
            }
        };
    }

    private static Managed closing(AutoCloseable resource) {
        return new Managed() {
            @Override
            public void stop() throws Exception {
                resource.close();
            }
        };
    }
}
