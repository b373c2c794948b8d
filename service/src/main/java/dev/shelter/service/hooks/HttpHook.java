package dev.shelter.service.hooks;

import dev.shelter.runbooks.cluster.BackupHook;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Calls a URL; any answer other than 2xx, or none within the timeout, is a failure. */
public final class HttpHook implements BackupHook {

    private final URI url;
    private final String method;
    private final Duration timeout;

    public HttpHook(URI url, String method, Duration timeout) {
        this.url = url;
        this.method = method;
        this.timeout = timeout;
    }

    @Override
    public void run() {
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout)
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        try {
            HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("answered HTTP " + response.statusCode());
            }
        } catch (IOException e) {
            throw new IllegalStateException("no answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String describe() {
        return method + " " + url;
    }
}
