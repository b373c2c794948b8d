package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shelter.testing.Poll;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/** Talks to a running Shelter over HTTP the way a client would, with one fresh client per request. */
final class ShelterClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private final int port;
    private final String token;

    ShelterClient(int port, String token) {
        this.port = port;
        this.token = token;
    }

    record Answer(int status, JsonNode body, String text, java.net.http.HttpHeaders headers) {

        Answer(int status, JsonNode body, String text) {
            this(status, body, text, java.net.http.HttpHeaders.of(java.util.Map.of(), (a, b) -> true));
        }

        String location() {
            return headers.firstValue("Location").orElse("");
        }
    }

    Answer get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    Answer post(String path, String json) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    Answer put(String path, String json) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    Answer putBytes(String path, byte[] bytes) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    }

    Answer delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    /** GET /api/v1/clusters/{cluster}/wal/{file}: its bytes, which must be there (200). */
    byte[] walFile(String cluster, String file) {
        try {
            HttpResponse<byte[]> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    uri("/api/v1/clusters/" + cluster + "/wal/" + file)).header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new AssertionError("GET " + file + " answered " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Polls GET /api/v1/backups/{id} until {@code done} holds; fails after {@code timeout}. */
    JsonNode awaitBackup(String id, Predicate<JsonNode> done, Duration timeout) {
        if (id == null || id.isEmpty()) {
            throw new AssertionError("no backup id to wait for");
        }
        return Poll.until("backup " + id + " reaches the expected state", timeout, Duration.ofMillis(20),
                () -> get("/api/v1/backups/" + id), answer -> answer.status() == 200 && done.test(answer.body()), () -> "").body();
    }

    /**
     * POST, asked again while the cluster is busy (409): a backup shows "completed" before its run has
     * ended (the post hooks run last), a copy "exported" before its run has, and a run holds the cluster
     * until it ends. A 409 for any other reason is returned as it is.
     */
    Answer postWhenFree(String path, String body) {
        return Poll.until("POST " + path + " finds the cluster free", Duration.ofMinutes(2), () -> post(path, body),
                answer -> answer.status() != 409 || !answer.text().contains("is busy"));
    }

    JsonNode awaitEnd(String id) {
        return awaitBackup(id, b -> !"running".equals(b.path("state").asText()), Duration.ofSeconds(120));
    }

    private Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(request.header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
            return new Answer(response.statusCode(), body, response.body(), response.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
