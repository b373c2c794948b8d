package dev.shelter.runbooks.patroni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shelter.runbooks.cluster.ClusterTargetException;
import dev.shelter.runbooks.cluster.ClusterTargetException.Reason;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link PatroniDcs} over etcd's v3 JSON gateway ({@code POST /v3/kv/range}, {@code /v3/kv/deleterange}),
 * the API Patroni's {@code etcd3} section speaks. Keys are {@code <namespace>/<scope>/<name>}, as
 * Patroni lays them out (namespace {@code /service} by default).
 */
public final class Etcd3Dcs implements PatroniDcs {

    private final URI endpoint;
    private final String clusterPrefix;
    private final Duration timeout;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    public Etcd3Dcs(URI endpoint, String namespace, String scope, Duration timeout) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.clusterPrefix = "/" + namespace.replaceAll("^/+|/+$", "") + "/" + Objects.requireNonNull(scope, "scope") + "/";
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    @Override
    public Optional<Entry> get(String key) {
        ObjectNode body = json.createObjectNode().put("key", base64(clusterPrefix + key));
        JsonNode kvs = call("/v3/kv/range", body).path("kvs");
        if (!kvs.isArray() || kvs.isEmpty()) {
            return Optional.empty();
        }
        JsonNode kv = kvs.get(0);
        return Optional.of(new Entry(new String(Base64.getDecoder().decode(kv.path("value").asText("")), StandardCharsets.UTF_8),
                kv.path("create_revision").asLong()));
    }

    @Override
    public void deleteTree(String key) {
        call("/v3/kv/deleterange", json.createObjectNode().put("key", base64(clusterPrefix + key)));
        String below = clusterPrefix + key + "/";
        // range_end one past the prefix: every key that starts with it.
        String end = below.substring(0, below.length() - 1) + (char) (below.charAt(below.length() - 1) + 1);
        call("/v3/kv/deleterange", json.createObjectNode().put("key", base64(below)).put("range_end", base64(end)));
    }

    @Override
    public String describe() {
        return "etcd " + endpoint + " " + clusterPrefix;
    }

    private JsonNode call(String path, ObjectNode body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint.toString().replaceAll("/+$", "") + path)).timeout(timeout)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() / 100 != 2) {
                throw new ClusterTargetException(Reason.UNAVAILABLE, describe() + " answered " + path + " with " + response.statusCode()
                        + ": " + response.body());
            }
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new ClusterTargetException(Reason.UNAVAILABLE, describe() + " did not answer " + path + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterTargetException(Reason.UNAVAILABLE, "interrupted while asking " + describe(), e);
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
