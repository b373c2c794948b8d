package dev.shelter.service.config;

import dev.shelter.service.app.ShelterApplication;
import io.dropwizard.core.cli.CheckCommand;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.util.JarLocation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every validation rule of the configuration, through {@code shelter.jar check} as an operator runs
 * it: a configuration that breaks one rule is refused, and the message names the field, so that
 * the operator knows which line to fix. A valid configuration passes, so each refusal is the rule's.
 */
class ConfigurationRulesTest {

    private static Path work;

    /** A valid configuration: each case below changes exactly one thing in it. */
    private static final String VALID = """
            server:
              applicationConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
              adminConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
            auth:
              tokens:
                - {name: ops, role: admin, token: "0123456789abcdef"}
                - {name: grafana, role: viewer, token: "fedcba9876543210"}
            clusters:
              - name: main
                target: {kind: local, dataDirectory: /var/lib/postgresql/15/main}
                postgres: {jdbcUrl: "jdbc:postgresql://127.0.0.1:5432/postgres", user: postgres, password: pw}
                volumes: [{role: pgdata, source: /var/lib/postgresql/15/main}, {role: tablespace, name: fast, source: /srv/fast}]
                snapshots: {kind: local-directory, directory: /var/lib/shelter/snapshots}
                walArchive: {format: shelter, receiver: {enabled: true, slot: shelter_main, flushIntervalMillis: 1000, maxRpoSeconds: 60, maxSlotRetainedBytes: 16777216}}
                backups: {allowStandby: false, walTimeoutSeconds: 300, maxAgeMinutes: 1500}
                hooks: {pre: [{sql: CHECKPOINT, timeoutSeconds: 30}], post: [{url: "https://hooks.example/done"}]}
              - name: on-kube
                target: {kind: kubernetes, namespace: databases, pgdataPath: pgroot/data, volumeJobImage: "registry.example/spilo:3", statefulSet: pg}
                postgres: {jdbcUrl: "jdbc:postgresql://pg.databases.svc:5432/postgres"}
                volumes: [{role: pgdata, source: pgdata}, {role: pgwal, source: pgwal}]
                snapshots: {kind: rbd}
            catalog: {kind: memory}
            stateDirectory: /var/lib/shelter
            objectStore: {kind: s3, endpoint: "http://127.0.0.1:9000", bucket: shelter, accessKeyId: key, secretAccessKey: secret, partSizeBytes: 5242880, serverSideEncryption: AES256}
            kubernetes: {server: "https://127.0.0.1:6443", token: "a-token", certificateAuthorityFile: /etc/ca.crt}
            ceph: {configFile: /etc/ceph/ceph.conf, keyringFile: /etc/ceph/keyring, pool: replicapool, operationTimeoutSeconds: 15}
            """;

    @BeforeAll
    static void createWorkDirectory() throws IOException {
        work = Files.createTempDirectory("shelter-config-rules");
    }

    @AfterAll
    static void removeWorkDirectory() throws IOException {
        try (Stream<Path> files = Files.walk(work)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void theValidConfigurationPassesTheCheck() throws IOException {
        Check check = check(VALID);
        assertTrue(check.error().isEmpty(), check.toString());
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> brokenRules() {
        return Stream.of(
                // auth
                arguments("no auth section", "auth:\n  tokens:\n    - {name: ops, role: admin, token: \"0123456789abcdef\"}\n"
                        + "    - {name: grafana, role: viewer, token: \"fedcba9876543210\"}\n", "", "auth must not be null"),
                arguments("no tokens", "  tokens:\n    - {name: ops, role: admin, token: \"0123456789abcdef\"}\n"
                        + "    - {name: grafana, role: viewer, token: \"fedcba9876543210\"}\n", "  tokens: []\n", "auth.tokens must not be empty"),
                arguments("a token shorter than 16 characters", "token: \"0123456789abcdef\"", "token: \"0123456789abcde\"",
                        "every token at least 16 characters long"),
                arguments("two tokens with one name", "name: grafana", "name: ops", "token names must be unique"),
                arguments("a token without a name", "{name: ops, role: admin,", "{role: admin,", "auth.tokens[0].name must not be empty"),
                arguments("a token without a role", "role: admin, ", "", "auth.tokens[0].role must not be null"),
                arguments("a role that does not exist", "role: viewer", "role: superuser", "role"),
                // clusters
                arguments("no clusters", VALID.substring(VALID.indexOf("clusters:"), VALID.indexOf("catalog:")), "clusters: []\n",
                        "clusters must not be empty"),
                arguments("a cluster name that is not DNS-1123", "name: on-kube", "name: On_Kube",
                        "clusters[1].name must be a DNS-1123 label"),
                arguments("a cluster name ending in '-'", "name: on-kube", "name: on-kube-", "clusters[1].name must be a DNS-1123 label"),
                arguments("two clusters with one name", "name: on-kube", "name: main", "cluster names must be unique"),
                arguments("a cluster without a target", "    target: {kind: local, dataDirectory: /var/lib/postgresql/15/main}\n", "",
                        "clusters[0].target must not be null"),
                arguments("a local target without a data directory", "{kind: local, dataDirectory: /var/lib/postgresql/15/main}",
                        "{kind: local}", "clusters[0].target.dataDirectory must not be empty"),
                arguments("a kubernetes target without a namespace", "namespace: databases, ", "",
                        "clusters[1].target.namespace must not be empty"),
                arguments("a kubernetes target without a StatefulSet", ", statefulSet: pg}", "}",
                        "clusters[1].target.statefulSet must not be empty"),
                arguments("a pgdataPath that is absolute", "pgdataPath: pgroot/data", "pgdataPath: /pgroot/data",
                        "clusters[1].target.pgdataPath must be a path relative to the claim's root, without '..'"),
                arguments("a pgdataPath that leaves the claim", "pgdataPath: pgroot/data", "pgdataPath: pgroot/../../etc",
                        "clusters[1].target.pgdataPath must be a path relative to the claim's root, without '..'"),
                arguments("Shelter's state inside a local cluster's data directory", "stateDirectory: /var/lib/shelter",
                        "stateDirectory: /var/lib/postgresql/15/main/shelter", "stateDirectory must not be inside the data directory"),
                arguments("Shelter's state inside a tablespace volume", "stateDirectory: /var/lib/shelter", "stateDirectory: /srv/fast",
                        "stateDirectory must not be inside the data directory or a volume of a local cluster"),
                arguments("no state directory", "stateDirectory: /var/lib/shelter", "stateDirectory: \"\"",
                        "stateDirectory must not be empty"),
                arguments("a JDBC URL of another driver", "jdbc:postgresql://127.0.0.1:5432/postgres", "jdbc:mysql://127.0.0.1/x",
                        "clusters[0].postgres.jdbcUrl must start with jdbc:postgresql:"),
                arguments("no volumes", "[{role: pgdata, source: pgdata}, {role: pgwal, source: pgwal}]", "[]",
                        "clusters[1].volumes must not be empty"),
                arguments("a volume without a source", "{role: pgwal, source: pgwal}", "{role: pgwal}",
                        "clusters[1].volumes[1].source must not be empty"),
                arguments("a volume without a role", "{role: pgwal, source: pgwal}", "{source: pgwal}",
                        "clusters[1].volumes[1].role must not be null"),
                arguments("two pgdata volumes", "{role: pgwal, source: pgwal}", "{role: pgdata, source: pgdata2}",
                        "clusters[1].volumes must hold exactly one pgdata volume, not 2"),
                arguments("no pgdata volume", "{role: pgdata, source: pgdata}, ", "", "clusters[1].volumes must hold exactly one pgdata volume, not 0"),
                arguments("two pgwal volumes", "{role: pgdata, source: pgdata}, ", "{role: pgdata, source: pgdata}, {role: pgwal, source: w2}, ",
                        "clusters[1].volumes must hold at most one pgwal volume"),
                arguments("a tablespace without a name", "{role: tablespace, name: fast, source: /srv/fast}",
                        "{role: tablespace, source: /srv/fast}", "clusters[0].volumes must name each tablespace volume (name:"),
                arguments("two tablespaces with one name", "{role: tablespace, name: fast, source: /srv/fast}",
                        "{role: tablespace, name: fast, source: /srv/fast}, {role: tablespace, name: fast, source: /srv/other}",
                        "clusters[0].volumes must name each tablespace volume once, and neither pgdata nor pgwal: 'fast' is taken"),
                arguments("a tablespace named like the pgdata volume", "{role: tablespace, name: fast,", "{role: tablespace, name: pgdata,",
                        "clusters[0].volumes must name each tablespace volume once, and neither pgdata nor pgwal: 'pgdata' is taken"),
                arguments("a cluster without snapshots", "    snapshots: {kind: rbd}\n", "", "clusters[1].snapshots must not be null"),
                arguments("local-directory snapshots without a directory", "{kind: local-directory, directory: /var/lib/shelter/snapshots}",
                        "{kind: local-directory}", "clusters[0].snapshots.directory must not be empty"),
                arguments("rbd snapshots without the ceph section", VALID.substring(VALID.indexOf("ceph:")), "",
                        "a cluster with rbd snapshots needs the top-level ceph section"),
                // WAL
                arguments("an unknown archive format", "format: shelter", "format: tar", "clusters[0].walArchive.format must be shelter or plain"),
                arguments("the receiver on a plain archive", "format: shelter", "format: plain",
                        "the WAL receiver needs walArchive.format: shelter"),
                arguments("a slot name PostgreSQL refuses", "slot: shelter_main", "slot: Shelter-Main",
                        "clusters[0].walArchive.receiver.slot must be 1-63 characters"),
                arguments("a flush interval under 50 ms", "flushIntervalMillis: 1000", "flushIntervalMillis: 49",
                        "clusters[0].walArchive.receiver.flushIntervalMillis must be greater than or equal to 50"),
                arguments("a flush interval over a minute", "flushIntervalMillis: 1000", "flushIntervalMillis: 60001",
                        "clusters[0].walArchive.receiver.flushIntervalMillis must be less than or equal to 60000"),
                arguments("an RPO bound of 0", "maxRpoSeconds: 60", "maxRpoSeconds: 0",
                        "clusters[0].walArchive.receiver.maxRpoSeconds must be greater than or equal to 1"),
                arguments("a slot bound under one segment", "maxSlotRetainedBytes: 16777216", "maxSlotRetainedBytes: 16777215",
                        "clusters[0].walArchive.receiver.maxSlotRetainedBytes must be greater than or equal to 16777216"),
                // backups and hooks
                arguments("a WAL timeout of 0", "walTimeoutSeconds: 300", "walTimeoutSeconds: 0",
                        "clusters[0].backups.walTimeoutSeconds must be greater than or equal to 1"),
                arguments("a WAL timeout over a day", "walTimeoutSeconds: 300", "walTimeoutSeconds: 86401",
                        "clusters[0].backups.walTimeoutSeconds must be less than or equal to 86400"),
                arguments("a backup age bound of 0", "maxAgeMinutes: 1500", "maxAgeMinutes: 0",
                        "clusters[0].backups.maxAgeMinutes must be greater than or equal to 1"),
                arguments("off-site copies after each backup without the offsite section", "maxAgeMinutes: 1500}",
                        "maxAgeMinutes: 1500, exportOffsite: true}", "a cluster with backups.exportOffsite needs the top-level offsite section"),
                arguments("a hook with both sql and url", "{sql: CHECKPOINT, timeoutSeconds: 30}",
                        "{sql: CHECKPOINT, url: \"https://hooks.example/x\"}", "a hook needs exactly one of sql or url"),
                arguments("a hook with neither", "{sql: CHECKPOINT, timeoutSeconds: 30}", "{timeoutSeconds: 30}",
                        "a hook needs exactly one of sql or url"),
                arguments("a hook URL that is not http", "url: \"https://hooks.example/done\"", "url: \"ftp://hooks.example/done\"",
                        "a hook needs exactly one of sql or url"),
                arguments("a hook timeout of 0", "timeoutSeconds: 30}", "timeoutSeconds: 0}",
                        "clusters[0].hooks.pre[0].timeoutSeconds must be greater than or equal to 1"),
                // stores, catalog, kubernetes, ceph
                arguments("no object store", VALID.substring(VALID.indexOf("objectStore:"), VALID.indexOf("kubernetes:")), "",
                        "objectStore must not be null"),
                arguments("an S3 store without a bucket", "bucket: shelter, ", "", "objectStore.bucket must not be empty"),
                arguments("an S3 store without an access key", "accessKeyId: key, ", "", "objectStore.accessKeyId must not be null"),
                arguments("an S3 store without a secret key", "secretAccessKey: secret, ", "",
                        "objectStore.secretAccessKey must not be null"),
                arguments("a multipart part under 5 MiB", "partSizeBytes: 5242880", "partSizeBytes: 5242879",
                        "objectStore.partSizeBytes must be greater than or equal to 5242880"),
                arguments("an unknown server-side encryption", "serverSideEncryption: AES256", "serverSideEncryption: DES",
                        "objectStore.serverSideEncryption must be AES256, aws:kms or aws:kms:dsse"),
                arguments("a filesystem store without a directory", VALID.substring(VALID.indexOf("objectStore:"), VALID.indexOf("kubernetes:")),
                        "objectStore: {kind: filesystem}\n", "objectStore.directory must not be empty"),
                arguments("a postgres catalog without a connection", "catalog: {kind: memory}", "catalog: {kind: postgres}",
                        "catalog kind must be memory, or postgres with a postgres connection"),
                arguments("an unknown catalog kind", "catalog: {kind: memory}", "catalog: {kind: sqlite}",
                        "catalog kind must be memory, or postgres with a postgres connection"),
                arguments("a kubernetes server without a token", "token: \"a-token\", ", "",
                        "kubernetes.server needs kubernetes.token"),
                arguments("retention with two rules", "maxAgeMinutes: 1500}", "maxAgeMinutes: 1500}\n    retention: {keepLast: 2, "
                        + "recoveryWindowDays: 7}", "retention needs exactly one of keepLast, recoveryWindowDays or calendar"),
                arguments("retention without a rule", "maxAgeMinutes: 1500}", "maxAgeMinutes: 1500}\n    retention: {minimumKept: 2}",
                        "retention needs exactly one of keepLast, recoveryWindowDays or calendar"),
                arguments("a calendar that keeps nothing", "maxAgeMinutes: 1500}", "maxAgeMinutes: 1500}\n    retention: {calendar: "
                        + "{daily: 0}}", "a calendar policy needs at least one count above zero"),
                arguments("keep-last 0", "maxAgeMinutes: 1500}", "maxAgeMinutes: 1500}\n    retention: {keepLast: 0}",
                        "retention.keepLast must be greater than or equal to 1"),
                arguments("a default grace above the most", "catalog: {kind: memory}", "catalog: {kind: memory}\nschedules: "
                        + "{defaultMisfireGraceSeconds: 7200, mostMisfireGraceSeconds: 3600}",
                        "schedules.defaultMisfireGraceSeconds cannot be more than schedules.mostMisfireGraceSeconds"),
                arguments("a replica name with a space", "catalog: {kind: memory}", "catalog: {kind: memory}\nschedules: {replica: "
                        + "\"a b\"}", "schedules.replica must be 1-100 letters, digits and ._-"),
                arguments("ceph without a pool", ", pool: replicapool", "", "ceph.pool must not be empty"),
                arguments("ceph without a keyring", "keyringFile: /etc/ceph/keyring, ", "", "ceph.keyringFile must not be empty"),
                arguments("a ceph operation timeout of 0", "operationTimeoutSeconds: 15", "operationTimeoutSeconds: 0",
                        "ceph.operationTimeoutSeconds must be greater than or equal to 1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenRules")
    void eachRuleRefusesABadConfigurationNamingTheField(String rule, String valid, String broken, String expected) throws IOException {
        assertTrue(VALID.contains(valid), "the case must change the valid configuration: " + valid);
        Check check = check(VALID.replaceFirst(java.util.regex.Pattern.quote(valid), java.util.regex.Matcher.quoteReplacement(broken)));
        assertTrue(check.error().isPresent(), rule + " passed the check: " + check);
        assertTrue(check.err().contains(expected), rule + ": the message must say '" + expected + "':\n" + check.err());
        assertFalse(check.err().contains("\tat "), "a refusal is a message, not a stack trace:\n" + check.err());
        assertFalse(check.out().contains("Configuration is OK"), check.toString());
    }

    @Test
    void anUnsetVariableWithoutADefaultIsRefusedByName() throws IOException {
        Check check = check(VALID.replace("token: \"0123456789abcdef\"", "token: \"${SHELTER_RULES_TEST_UNSET_VARIABLE}\""));
        assertTrue(check.error().isPresent(), check.toString());
        assertTrue(check.err().contains("SHELTER_RULES_TEST_UNSET_VARIABLE"), check.err());
    }

    @Test
    void anUnknownFieldIsRefusedByName() throws IOException {
        Check check = check(VALID.replace("walTimeoutSeconds: 300", "walTimeoutSecs: 300"));
        assertTrue(check.error().isPresent(), check.toString());
        assertTrue(check.err().contains("walTimeoutSecs"), check.err());
    }

    private record Check(Optional<Throwable> error, String out, String err) {
    }

    /** {@code java -jar shelter.jar check <file>} on {@code yaml}, with its output captured. */
    private static Check check(String yaml) throws IOException {
        Path file = Files.createTempFile(work, "shelter", ".yml");
        Files.writeString(file, yaml);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ShelterApplication application = new ShelterApplication();
        Bootstrap<ShelterConfiguration> bootstrap = new Bootstrap<>(application);
        bootstrap.addCommand(new CheckCommand<>(application));
        application.initialize(bootstrap);
        Optional<Throwable> error = new Cli(new JarLocation(ConfigurationRulesTest.class), bootstrap, out, err)
                .run("check", file.toString());
        return new Check(error, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
