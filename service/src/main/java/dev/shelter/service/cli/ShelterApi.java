package dev.shelter.service.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The REST API of a running Shelter, as the command line uses it: JSON in, JSON out, a bearer token. */
final class ShelterApi {

    record Reply(int status, JsonNode body) {

        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The service's own message for a refusal, or the status alone. */
        String message() {
            String message = body.path("message").asText("");
            return "HTTP " + status + (message.isEmpty() ? "" : ": " + message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    ShelterApi(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    Reply get(String path) {
        return send(HttpRequest.newBuilder(resolve(path)).GET());
    }

    Reply post(String path, JsonNode body) {
        return send(HttpRequest.newBuilder(resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    Reply delete(String path) {
        return send(HttpRequest.newBuilder(resolve(path)).DELETE());
    }

    /** A successful reply's body, or a {@link CliFailure} with the service's message. */
    JsonNode expectOk(Reply reply, String doing) {
        if (!reply.ok()) {
            throw new CliFailure("cannot " + doing + ": " + reply.message());
        }
        return reply.body();
    }

    static ObjectMapper json() {
        return JSON;
    }

    private URI resolve(String path) {
        return URI.create(base.toString().replaceAll("/+$", "") + path);
    }

    private Reply send(HttpRequest.Builder request) {
        HttpRequest built = request.header("Authorization", "Bearer " + token).header("Accept", "application/json")
                .timeout(Duration.ofSeconds(60)).build();
        try {
            HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
            JsonNode body;
            try {
                body = response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
            } catch (IOException notJson) {
                body = JSON.createObjectNode().put("message", response.body().strip());
            }
            return new Reply(response.statusCode(), body);
        } catch (IOException e) {
            throw new CliFailure("cannot reach Shelter at " + base + ": " + (e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("interrupted");
        }
    }
}
