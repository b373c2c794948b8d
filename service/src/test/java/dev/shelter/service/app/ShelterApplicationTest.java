package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shelter.service.config.ShelterConfiguration;
import dev.shelter.testing.ScratchDirectory;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP surface without real servers: auth, error shapes, documents, metrics. */
@ExtendWith(DropwizardExtensionsSupport.class)
class ShelterApplicationTest {

    private static final String VIEWER = "viewer-token-0123456789";
    private static final String OPERATOR = "operator-token-from-a-file-42";
    private static final String ADMIN = "admin-token-0123456789";
    private static final Path WORK = createWorkDirectory();
    private static final Path LOG = WORK.resolve("shelter.log");

    private static final DropwizardAppExtension<ShelterConfiguration> APP = new DropwizardAppExtension<>(
            ShelterApplication.class, ResourceHelpers.resourceFilePath("shelter-test.yml"),
            ConfigOverride.config("objectStore.directory", WORK.resolve("store").toString()),
            ConfigOverride.config("stateDirectory", WORK.resolve("shelter-state").toString()),
            ConfigOverride.config("clusters[0].snapshots.directory", WORK.resolve("snapshots").toString()),
            ConfigOverride.config("auth.tokens[1].token", "file:" + WORK.resolve("operator.token")),
            ConfigOverride.config("logging.appenders[0].currentLogFilename", LOG.toString()),
            ConfigOverride.config("server.requestLog.appenders[0].currentLogFilename", LOG.toString()));

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The application writes its log here until the extension stops it, which is after every
     * {@code @AfterAll} of this class: the directory goes when the JVM exits. (deleteOnExit cannot
     * remove a directory that is not empty, and every run used to leave one behind.)
     */
    private static Path createWorkDirectory() {
        ScratchDirectory scratch = ScratchDirectory.create("shelter-app-test");
        Runtime.getRuntime().addShutdownHook(new Thread(scratch::close, "remove " + scratch.path()));
        try {
            Files.writeString(scratch.resolve("operator.token"), OPERATOR + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return scratch.path();
    }

    @ParameterizedTest(name = "{0} {1} as {2} -> {3}")
    @CsvSource({
            "GET,  /api/v1/clusters,                 none,     401",
            "GET,  /api/v1/clusters,                 bad,      401",
            "GET,  /api/v1/clusters,                 viewer,   200",
            "GET,  /api/v1/clusters,                 operator, 200",
            "GET,  /api/v1/clusters,                 admin,    200",
            "GET,  /api/v1/clusters/main,            none,     401",
            "GET,  /api/v1/clusters/main,            viewer,   200",
            "POST, /api/v1/clusters/nope/inspection, none,     401",
            "POST, /api/v1/clusters/nope/inspection, bad,      401",
            "POST, /api/v1/clusters/nope/inspection, viewer,   403",
            "POST, /api/v1/clusters/nope/inspection, operator, 404",
            "POST, /api/v1/clusters/nope/inspection, admin,    404",
    })
    void authMatrix(String method, String path, String who, int expected) throws Exception {
        HttpResponse<String> response = send(method, path, tokenOf(who), method.equals("POST") ? "{}" : null);
        assertEquals(expected, response.statusCode(), response.body());
        if (expected >= 400) {
            assertErrorBody(response, expected);
        }
    }

    @Test
    void listsTheConfiguredClusterWithoutSecrets() throws Exception {
        HttpResponse<String> response = send("GET", "/api/v1/clusters", VIEWER, null);
        JsonNode cluster = JSON.readTree(response.body()).path("clusters").path(0);
        assertEquals("main", cluster.path("name").asText());
        assertEquals("local", cluster.path("target").path("kind").asText());
        assertEquals("pgdata", cluster.path("volumes").path(0).path("role").asText());
        assertFalse(response.body().contains("not-a-real-password"), response.body());
    }

    @Test
    void unknownClusterIs404WithItsName() throws Exception {
        HttpResponse<String> response = send("GET", "/api/v1/clusters/nope", VIEWER, null);
        assertErrorBody(response, 404);
        assertTrue(response.body().contains("no cluster named 'nope'"), response.body());
    }

    @Test
    void malformedJsonIs400WithWhereItBroke() throws Exception {
        HttpResponse<String> response = send("POST", "/api/v1/clusters/main/inspection", OPERATOR, "{\"timeoutSeconds\": ");
        assertErrorBody(response, 400);
        assertTrue(response.body().contains("malformed JSON"), response.body());
        assertFalse(response.body().contains("com.fasterxml"), response.body());
    }

    @Test
    void wrongTypeAndUnknownFieldAre400() throws Exception {
        HttpResponse<String> wrongType = send("POST", "/api/v1/clusters/main/inspection", OPERATOR, "{\"timeoutSeconds\": \"soon\"}");
        assertErrorBody(wrongType, 400);
        assertTrue(wrongType.body().contains("timeoutSeconds"), wrongType.body());
        HttpResponse<String> unknown = send("POST", "/api/v1/clusters/main/inspection", OPERATOR, "{\"timeout\": 3}");
        assertErrorBody(unknown, 400);
        assertTrue(unknown.body().contains("unknown field 'timeout'"), unknown.body());
    }

    @Test
    void outOfRangeValueIs400NamingTheField() throws Exception {
        HttpResponse<String> response = send("POST", "/api/v1/clusters/main/inspection", OPERATOR, "{\"timeoutSeconds\": 0}");
        assertErrorBody(response, 400);
        assertTrue(response.body().contains("timeoutSeconds must be greater than or equal to 1"), response.body());
    }

    @Test
    void unreachablePostgresIs503WithTheReason() throws Exception {
        HttpResponse<String> response = send("POST", "/api/v1/clusters/main/inspection", ADMIN, "{\"timeoutSeconds\": 2}");
        assertErrorBody(response, 503);
        assertTrue(response.body().contains("127.0.0.1:1"), response.body());
    }

    @Test
    void errorsOutsideTheApiAreJsonToo() throws Exception {
        assertErrorBody(send("GET", "/no/such/path", VIEWER, null), 404);
        assertErrorBody(send("DELETE", "/api/v1/clusters", ADMIN, null), 405);
        assertErrorBody(sendTo(adminUrl("/no/such/admin/path"), "GET", ADMIN, null), 404);
        assertErrorBody(sendTo(adminUrl("/no/such/admin/path"), "GET", null, null), 401);
        // java.net.URI refuses to send a malformed escape, so this one goes over a raw socket.
        String badUri = sendRaw("GET /api/v1/clusters/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        assertTrue(badUri.startsWith("HTTP/1.1 400"), badUri);
        assertTrue(badUri.toLowerCase(java.util.Locale.ROOT).contains("content-type: application/json"), badUri);
        assertTrue(badUri.contains("\"code\":400"), badUri);
    }

    @Test
    void openApiDocumentIsServedWithoutAToken() throws Exception {
        HttpResponse<String> response = send("GET", "/api/openapi.yaml", null, null);
        assertEquals(200, response.statusCode());
        assertTrue(response.body().startsWith("openapi: 3"), response.body());
    }

    @Test
    void healthReallyTouchesEachDependency() throws Exception {
        HttpResponse<String> response = sendTo(adminUrl("/healthcheck"), "GET", null, null);
        JsonNode checks = JSON.readTree(response.body());
        assertEquals(500, response.statusCode(), "PostgreSQL at port 1 cannot be healthy: " + response.body());
        assertFalse(checks.path("postgres-main").path("healthy").asBoolean(), response.body());
        assertTrue(checks.path("object-store").path("healthy").asBoolean(), response.body());
    }

    @Test
    void prometheusExpositionListsMetrics() throws Exception {
        send("GET", "/api/v1/clusters", VIEWER, null);
        HttpResponse<String> response = sendTo(adminUrl("/prometheus"), "GET", null, null);
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), response.headers().toString());
        assertTrue(response.body().contains("# TYPE dev_shelter_service_resources_ClustersResource_listClusters summary"), response.body());
        assertTrue(response.body().matches("(?s).*\\ndev_shelter_service_resources_ClustersResource_listClusters_count [1-9].*"),
                "the request above was counted");
        assertTrue(response.body().contains("# HELP shelter_lease_held ") && response.body().contains("shelter_lease_held{lease=\"runs/"),
                "which leases this replica holds, labelled: " + response.body());
        // One family per measure, the cluster a label: no cluster's name in a metric's name, and each family described once.
        List<String> shelterLines = response.body().lines().filter(line -> line.contains("shelter_")).toList();
        assertTrue(shelterLines.stream().filter(line -> !line.startsWith("#")).noneMatch(line -> line.matches("shelter_\\w*main\\w*[{ ].*")),
                response.body());
        Map<String, Long> helps = shelterLines.stream().filter(line -> line.startsWith("# HELP shelter_"))
                .collect(Collectors.groupingBy(line -> line.split(" ")[2], Collectors.counting()));
        assertTrue(helps.values().stream().allMatch(count -> count == 1), helps.toString());
        for (String family : List.of("shelter_backups_total", "shelter_backup_duration_seconds", "shelter_backup_mode_duration_seconds",
                "shelter_backup_last_completed_timestamp_seconds", "shelter_lease_held")) {
            assertTrue(helps.containsKey(family), family + " is described: " + helps.keySet());
        }
        assertTrue(response.body().contains("shelter_backups_total{cluster=\"main\",state=\"failed\"} 0"), response.body());
        assertTrue(response.body().contains("shelter_backup_last_completed_timestamp_seconds{cluster=\"main\"} 0"), response.body());
    }

    @Test
    void tokensNeverReachTheLogs() throws Exception {
        // Each request has a path of its own, so the test can see that its line was written: the
        // appenders are asynchronous, and a log read before then would prove nothing.
        String run = java.util.UUID.randomUUID().toString();
        java.util.List<String> paths = new java.util.ArrayList<>();
        String[] tokens = {VIEWER, OPERATOR, ADMIN, "wrong-token-9876543210"};
        for (int i = 0; i < tokens.length; i++) {
            String cluster = "/api/v1/clusters/log-probe-" + i + "-" + run;
            send("GET", cluster, tokens[i], null);
            send("POST", cluster + "/inspection", tokens[i], "{bad json");
            paths.add(cluster + " ");
            paths.add(cluster + "/inspection ");
        }
        String applicationMarker = "application log marker " + run;
        org.slf4j.LoggerFactory.getLogger(ShelterApplicationTest.class).warn(applicationMarker);
        String log = dev.shelter.testing.Poll.until("the log " + LOG + " holds the line of each request and " + applicationMarker,
                Duration.ofSeconds(30), () -> Files.readString(LOG),
                text -> text.contains(applicationMarker) && paths.stream().allMatch(text::contains));
        for (String token : tokens) {
            assertFalse(log.contains(token), "token leaked into the log");
        }
    }

    private static String tokenOf(String who) {
        return switch (who) {
            case "viewer" -> VIEWER;
            case "operator" -> OPERATOR;
            case "admin" -> ADMIN;
            case "bad" -> "not-a-token-of-ours-at-all";
            default -> null;
        };
    }

    private static void assertErrorBody(HttpResponse<String> response, int expected) throws IOException {
        assertEquals(expected, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                "error must be JSON, was " + response.headers().firstValue("Content-Type") + ": " + response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(expected, body.path("code").asInt(), response.body());
        assertFalse(body.path("message").asText().isBlank(), response.body());
        assertFalse(response.body().contains("\tat "), "no stack traces: " + response.body());
    }

    private static String sendRaw(String request) throws IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", APP.getLocalPort())) {
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static String apiUrl(String path) {
        return "http://127.0.0.1:" + APP.getLocalPort() + path;
    }

    private static URI adminUrl(String path) {
        return URI.create("http://127.0.0.1:" + APP.getAdminPort() + path);
    }

    private static HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        return sendTo(URI.create(apiUrl(path)), method, token, body);
    }

    private static HttpResponse<String> sendTo(URI uri, String method, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        // A fresh client per request: Jetty may close a connection after refusing a POST whose body it did not
        // read, and a pooled connection would then race that close.
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
