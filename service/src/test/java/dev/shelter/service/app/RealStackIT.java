package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.PostgresServer;
import dev.shelter.testing.RealCeph;
import dev.shelter.testing.RealPostgres;
import dev.shelter.testing.RealS3;
import dev.shelter.testing.S3Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The service against the real stack: PostgreSQL, an s3proxy bucket and the Ceph pool, all healthy. */
@RealPostgres
@RealS3
@RealCeph
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealStackIT {

    private static final String ADMIN = "real-stack-admin-token-0123";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PostgresServer postgres;
    private final S3Server s3;
    private final CephServer ceph;
    private String bucket;
    private InProcessShelter shelter;

    RealStackIT(PostgresServer postgres, S3Server s3, CephServer ceph) {
        this.postgres = postgres;
        this.s3 = s3;
        this.ceph = ceph;
    }

    @BeforeAll
    void startShelter(@TempDir Path work) throws Exception {
        bucket = s3.createBucket("service");
        Path secret = work.resolve("s3-secret");
        Files.writeString(secret, s3.secretAccessKey() + "\n");
        Path config = work.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(ADMIN)) + """
                clusters:
                  - name: stack
                    target: {kind: local, dataDirectory: /unused}
                    postgres: {jdbcUrl: "%s", user: %s, password: "%s"}
                    volumes: [{role: pgdata, source: /unused}]
                    snapshots: {kind: rbd}
                objectStore:
                  kind: s3
                  endpoint: %s
                  region: %s
                  bucket: %s
                  accessKeyId: %s
                  secretAccessKey: "file:%s"
                ceph:
                  configFile: %s
                  user: %s
                  keyringFile: %s
                  pool: %s
                """.formatted(postgres.jdbcUrl(), postgres.user(), postgres.password(), s3.endpoint(), s3.region(), bucket,
                s3.accessKeyId(), secret, ceph.config().configFile(), ceph.config().user(), ceph.config().keyringFile(),
                ceph.config().pool()));
        shelter = InProcessShelter.startOn(config, ADMIN);
    }

    @AfterAll
    void stopShelter() throws Exception {
        if (shelter != null) {
            shelter.close();
        }
        if (bucket != null) {
            s3.deleteBucket(bucket);
        }
    }

    @Test
    void everyDependencyIsHealthy() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + shelter.adminPort() + "/healthcheck")).GET().build(), HttpResponse.BodyHandlers.ofString());
        JsonNode checks = JSON.readTree(response.body());
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(checks.path("postgres-stack").path("healthy").asBoolean(), response.body());
        assertTrue(checks.path("postgres-stack").path("message").asText().startsWith("PostgreSQL 15."), response.body());
        assertTrue(checks.path("object-store").path("message").asText().contains("s3://" + bucket), response.body());
        assertTrue(checks.path("ceph-pool").path("healthy").asBoolean(), response.body());
        assertTrue(checks.path("ceph-pool").path("message").asText().contains(ceph.config().pool()), response.body());
    }

    @Test
    void inspectionOfTheRealClusterNamesItsVersionAndRole() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + shelter.port() + "/api/v1/clusters/stack/inspection"))
                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"timeoutSeconds\": 5}")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode inspection = JSON.readTree(response.body());
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(15, inspection.path("majorVersion").asInt());
        assertEquals("primary", inspection.path("role").asText());
    }
}
