package dev.shelter.service.metrics;

import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.catalog.BlobManifestStore;
import dev.shelter.runbooks.catalog.InMemoryBackupIndex;
import dev.shelter.runbooks.catalog.ManifestCodec;
import dev.shelter.service.wal.ReplicationProbe;
import dev.shelter.service.wal.ShelterWalArchive;
import dev.shelter.service.wal.WalMonitor;
import dev.shelter.service.wal.WalReceiver;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import dev.shelter.testing.RepositoryFiles;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The sample alert rules of deploy/prometheus: Prometheus's own promtool accepts them and runs
 * their unit tests (each alert fires on the series it is meant for, and not on healthy ones), and
 * every series they name is one Shelter exposes, as Shelter's metrics write it.
 */
class AlertRulesIT {

    private static final String RULES = "deploy/prometheus/shelter-alerts.yml";
    private static final String RULE_TESTS = "deploy/prometheus/shelter-alerts.test.yml";

    @Test
    void promtoolAcceptsTheRulesAndTheirTestsPass() throws Exception {
        String promtool = promtool();
        String checked = run(promtool, "check", "rules", RepositoryFiles.find(RULES).toString());
        assertTrue(checked.contains("SUCCESS: 6 rules found"), checked);
        String tested = run(promtool, "test", "rules", RepositoryFiles.find(RULE_TESTS).toString());
        assertTrue(tested.contains("SUCCESS"), tested);
    }

    @Test
    void everySeriesTheRulesNameIsOneShelterExposes(@TempDir Path store) throws Exception {
        Set<String> named = new TreeSet<>();
        Matcher series = Pattern.compile("\\bshelter_[a-z_]+").matcher(Files.readString(RepositoryFiles.find(RULES)));
        while (series.find()) {
            named.add(series.group());
        }
        assertFalse(named.isEmpty());
        Set<String> exposed = exposedSeries(store);
        assertEquals(Set.of(), named.stream().filter(name -> !exposed.contains(name)).collect(Collectors.toSet()),
                "series the rules name that Shelter does not expose; it exposes " + exposed);
    }

    /** The sample names of the families the rules can use, written as /prometheus writes them. */
    private static Set<String> exposedSeries(Path store) throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        try (FsBlobStore blobs = FsBlobStore.open(new FsBlobStoreConfig(store))) {
            BackupCatalog catalog = new BackupCatalog(new BlobManifestStore(blobs, new ManifestCodec()), new InMemoryBackupIndex());
            new BackupMetrics(registry, catalog, Clock.systemUTC()).registerCluster(new ClusterName("orders"));
            WalReceiver.Status streaming = new WalReceiver.Status(WalReceiver.State.STREAMING, "shelter_orders", null, null, null, null,
                    null, null);
            ReplicationProbe server = slot -> new ReplicationProbe.Sample(Lsn.parse("0/3000000"), Optional.of(Lsn.parse("0/3000000")),
                    true, Optional.of(Lsn.parse("0/3000000")), Optional.empty());
            WalMonitor monitor = new WalMonitor("orders", "shelter_orders", () -> streaming, server, Duration.ofSeconds(60), 1L << 30,
                    Clock.systemUTC());
            monitor.sample();
            WalMetrics.register(registry, "replica-a", Map.of("orders", monitor));
            new WalContinuityMetrics(registry, Map.of("orders", new ShelterWalArchive(blobs, "wal/orders/", Clock.systemUTC()))).refresh();
            new RetentionMetrics(registry);
            LeaseMetrics.register(registry, "replica-a", () -> Map.of("runs/orders", true));
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            new PrometheusTextFormatWriter(false).write(text, registry.scrape());
            return text.toString(StandardCharsets.UTF_8).lines().filter(line -> !line.startsWith("#") && !line.isBlank())
                    .map(line -> line.split("[{ ]", 2)[0]).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static String promtool() {
        String promtool = System.getenv("SHELTER_STACK_PROMTOOL");
        assumeTrue(promtool != null && Files.isExecutable(Path.of(promtool)),
                "SHELTER_STACK_PROMTOOL names no promtool: run `eval \"$(deploy/local/stack up promtool)\"`");
        return promtool;
    }

    /** Runs promtool in the rules' directory (a test file names its rules relative to itself); its output, or a failure with it. */
    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).directory(RepositoryFiles.find(RULES).getParent().toFile())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "promtool did not end within 60 s");
        assertEquals(0, process.exitValue(), String.join(" ", command) + ":\n" + output);
        return output;
    }
}
