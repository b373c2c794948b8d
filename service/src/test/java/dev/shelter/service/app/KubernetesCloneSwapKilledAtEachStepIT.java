package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.storage.rbd.RbdSnapshotter;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.KubeApiServer;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.RealCeph;
import dev.shelter.testing.RealKubernetes;
import dev.shelter.testing.RealPostgresBinaries;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1PersistentVolume;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shelter killed with -9 at the steps of a clone-and-swap restore of a StatefulSet on the
 * Kubernetes test bed (real RBD), then started again: the restore completes with exactly the rows
 * committed up to its target and ordinal 0's claim bound to the volume of this restore's clone, or
 * swaps back to the volume and rows it had; no clone image is left without a volume. One whose
 * check fails, killed before its verdict, is swapped back. Each case prints its evidence.
 */
@RealKubernetes
@RealCeph
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesCloneSwapKilledAtEachStepIT {

    private static final String ADMIN = "kubernetes-clone-swap-killed-it-admin";
    private static final String OPERATOR = "kubernetes-clone-swap-killed-it-operator";
    private static final String CLAIM = "pgdata-orders-0";
    /** Passes for the target's two batches (1000 rows), fails for the latest data (1500). */
    private static final String CHECK = "SELECT count(*) <= 1000 FROM ledger";

    private final KubeApiServer server;
    private final CephServer ceph;
    private final PostgresBinaries binaries;
    private RestorableStatefulSet statefulSet;
    private CoreV1Api core;
    private Path config;
    private String target;
    private String expectedRows;
    private int run;

    KubernetesCloneSwapKilledAtEachStepIT(KubeApiServer server, CephServer ceph, PostgresBinaries binaries) {
        this.server = server;
        this.ceph = ceph;
        this.binaries = binaries;
    }

    @BeforeAll
    void backUpAndWriteMore() throws Exception {
        statefulSet = RestorableStatefulSet.start(server, ceph, binaries, "shelter-kubernetes-clone-swap-killed-it", OPERATOR);
        core = new CoreV1Api(statefulSet.bed.adminClient());
        config = statefulSet.scratch.resolve("shelter.yml");
        Files.writeString(config, ShelterProcess.restorableHeader(statefulSet.shelterPort, ADMIN, OPERATOR)
                + statefulSet.sections("keepOriginalsSeconds: 0, checks: [\"" + CHECK + "\"]")
                + "objectStore: {kind: filesystem, directory: \"" + statefulSet.scratch.resolve("store") + "\"}\n");
        statefulSet.archiveThroughShelter();
        statefulSet.orders.execute("CREATE TABLE ledger (id int PRIMARY KEY, batch int NOT NULL)");
        try (ShelterProcess shelter = ShelterProcess.start(config, ADMIN, statefulSet.scratch.resolve("shelter-setup.log"))) {
            ShelterClient client = shelter.client(ADMIN);
            insertBatch(1);
            ShelterClient.Answer started = client.post("/api/v1/clusters/orders/backups", "{\"label\":\"before the batches\"}");
            assertEquals(202, started.status(), started.text());
            assertEquals("completed", client.awaitEnd(started.body().path("id").asText()).path("state").asText());
            insertBatch(2);
            target = statefulSet.orders.queryValue("SELECT pg_current_wal_lsn()::text");
            expectedRows = batches();
            insertBatch(3);
        }
    }

    @AfterAll
    void stopTheTestBed() {
        if (statefulSet != null) {
            statefulSet.close();
        }
    }

    /**
     * Completes, or swaps back: both are what the issue asks after a kill. It swapped back once in CI
     * (killed at StartMember:executed, the restarted Shelter found ordinal 0 a primary on timeline 1,
     * which VerifyRestore refused); why the member came up so is not known yet, so the swap back is
     * checked as strictly as a completion.
     */
    @ParameterizedTest(name = "a clone-and-swap restore on Kubernetes killed at {0}:{1} completes or swaps back after the restart")
    @CsvSource({
            "CloneSnapshots, executed",
            "StopCluster, executed",
            "SwapInClones, started",
            "SwapInClones, executed",
            "WriteRecoveryFiles, executed",
            "StartMember, executed",
            "KeepOriginals, started",
    })
    void aRestoreKilledAtTheStepCompletesOrSwapsBackAfterTheRestart(String step, String moment) throws Exception {
        String rowsBefore = batches();
        String volumeBefore = boundVolume();
        JsonNode restore = killAndResume("{\"lsn\": \"" + target + "\", \"timeline\": 1}", step, moment);
        switch (restore.path("state").asText()) {
            case "completed" -> {
                assertEquals(expectedRows, batches(), "exactly the rows committed up to " + target);
                String image = imageOf(boundVolume());
                assertTrue(image.startsWith(CLAIM + "-" + tagOf(restore)), "ordinal 0 runs on this restore's clone: " + image);
            }
            case "rolled-back" -> {
                assertEquals(volumeBefore, boundVolume(), "swapped back: the claim is bound to the volume it had");
                assertEquals(rowsBefore, batches(), "swapped back: the rows it served");
            }
            default -> throw new AssertionError("neither completed nor swapped back: " + restore.toPrettyString());
        }
        assertEquals(Set.of(), unboundClones(), "no clone is left without a volume");
    }

    @ParameterizedTest(name = "a clone-and-swap restore on Kubernetes that fails its check, killed at {0}:{1}, is swapped back")
    @CsvSource({"VerifyRestore, started"})
    void aFailingRestoreKilledBeforeItsVerdictIsSwappedBack(String step, String moment) throws Exception {
        String rowsBefore = batches();
        String volumeBefore = boundVolume();
        JsonNode restore = killAndResume("{\"latest\": true, \"timeline\": 1}", step, moment);
        assertEquals("rolled-back", restore.path("state").asText(), restore.toPrettyString());
        assertTrue(restore.path("failure").asText().contains("fails the check '" + CHECK + "'"), restore.toPrettyString());
        assertEquals(volumeBefore, boundVolume(), "the claim is bound to the volume it had");
        assertEquals(rowsBefore, batches());
        assertEquals(Set.of(), unboundClones(), "the clone is gone");
    }

    private JsonNode killAndResume(String restoreTarget, String step, String moment) throws Exception {
        run++;
        String id;
        Path scratch = statefulSet.scratch.path();
        try (ShelterProcess shelter = FrozenShelter.start(config, ADMIN, scratch.resolve("shelter-" + run + "-killed.log"), step, moment)) {
            ShelterClient client = shelter.client(ADMIN);
            ShelterClient.Answer started = client.post("/api/v1/clusters/orders/restores", "{\"strategy\": \"clone-swap\", \"target\": "
                    + restoreTarget + ", \"confirm\": \"orders\"}");
            assertEquals(202, started.status(), started.text());
            id = started.body().path("id").asText();
            FrozenShelter.awaitFrozen(shelter, step, moment, Duration.ofSeconds(180));
            FrozenShelter.kill(shelter);
        }
        String atKill = "claim bound to " + boundVolume() + " (" + imageOf(boundVolume()) + "), pod running "
                + statefulSet.bed.kubelet().runsPostgresFor("orders-0");
        try (ShelterProcess shelter = ShelterProcess.start(config, ADMIN, scratch.resolve("shelter-" + run + "-restarted.log"))) {
            ShelterClient client = shelter.client(ADMIN);
            JsonNode restore = Poll.until("restore " + id + " ends after the restart", Duration.ofMinutes(4),
                    () -> client.get("/api/v1/restores/" + id).body(), r -> !r.path("state").asText().equals("running"),
                    () -> "kubelet: " + statefulSet.bed.kubelet().lastError());
            System.out.printf("clone-swap restore on Kubernetes killed at %s:%s -> at the kill: %s; after the restart: state %s, %s, "
                            + "claim bound to %s (%s), rows %s%n", step, moment, atKill, restore.path("state").asText(),
                    restore.path("currentStep").asText(), boundVolume(), imageOf(boundVolume()), batches());
            if (restore.path("state").asText().equals("completed")) {
                new RestoresThroughApi(client, "orders", Duration.ofMinutes(2), () -> "").awaitFreshBackupAfter(id);
            }
            return restore;
        }
    }

    /** The restore's clone tag, from its clone step's target ("… -> pgdata-orders-0-r2026…"). */
    private static String tagOf(JsonNode restore) {
        for (JsonNode step : restore.path("steps")) {
            if (step.path("name").asText().equals("CloneSnapshots")) {
                String clone = step.path("target").asText().replaceAll(".* -> ", "");
                return clone.substring(CLAIM.length() + 1);
            }
        }
        throw new AssertionError("no CloneSnapshots step in " + restore);
    }

    /** Clone images (named after the claim) that no volume uses and no backup needs. */
    private Set<String> unboundClones() throws Exception {
        Set<String> used = new TreeSet<>();
        for (V1PersistentVolume pv : core.listPersistentVolume().execute().getItems()) {
            if (pv.getSpec().getCsi() != null && pv.getMetadata().getDeletionTimestamp() == null) {
                used.add(pv.getSpec().getCsi().getVolumeAttributes().get("imageName"));
            }
        }
        Set<String> unbound = new TreeSet<>();
        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            for (String image : rbd.pool().listImages()) {
                // A clone with a backup's snapshots stays when its volume goes (a restore after it kept it as its original).
                if (image.startsWith(CLAIM + "-r") && !used.contains(image) && rbd.listSnapshots(image).isEmpty()) {
                    unbound.add(image);
                }
            }
        }
        return unbound;
    }

    private String boundVolume() throws Exception {
        return core.readNamespacedPersistentVolumeClaim(CLAIM, statefulSet.bed.namespace()).execute().getSpec().getVolumeName();
    }

    private String imageOf(String volume) throws Exception {
        return core.readPersistentVolume(volume).execute().getSpec().getCsi().getVolumeAttributes().get("imageName");
    }

    private void insertBatch(int batch) throws Exception {
        statefulSet.orders.execute("INSERT INTO ledger SELECT g, " + batch + " FROM generate_series(" + (batch * 1000) + ", "
                + (batch * 1000 + 499) + ") g");
    }

    private String batches() throws Exception {
        return statefulSet.orders.queryValue("SELECT string_agg(batch || ':' || n, ',' ORDER BY batch) FROM "
                + "(SELECT batch, count(*) AS n FROM ledger GROUP BY batch) b");
    }
}
