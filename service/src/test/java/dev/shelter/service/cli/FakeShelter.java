package dev.shelter.service.cli;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stands in for Shelter's REST API in tests of the command line (the unit under test): canned
 * answers per method and path, on 127.0.0.1 and an ephemeral port, recording every request.
 * Several answers for one request are given in turn, the last one repeated.
 */
final class FakeShelter implements AutoCloseable {

    record Request(String method, String path, String authorization, String body) {
    }

    private record Answer(int status, String body) {
    }

    private final HttpServer server;
    private final Map<String, Deque<Answer>> answers = new HashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    FakeShelter() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String key = exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
            requests.add(new Request(exchange.getRequestMethod(), key.substring(key.indexOf(' ') + 1),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            Answer answer = next(key);
            byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    /** Answers {@code method path} (path with its query) with {@code status} and {@code body}, after any answers given before. */
    FakeShelter answer(String method, String path, int status, String body) {
        synchronized (answers) {
            answers.computeIfAbsent(method + " " + path, k -> new ArrayDeque<>()).add(new Answer(status, body));
        }
        return this;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    private Answer next(String key) {
        synchronized (answers) {
            Deque<Answer> queue = answers.get(key);
            if (queue == null || queue.isEmpty()) {
                return new Answer(404, "{\"code\":404,\"message\":\"HTTP 404 Not Found\"}");
            }
            return queue.size() > 1 ? queue.poll() : queue.peek();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
