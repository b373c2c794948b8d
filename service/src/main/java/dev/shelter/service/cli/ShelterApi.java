package dev.shelter.service.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

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

    /** A bearer token and where it came from, so that a refusal can say what to check. */
    record Token(String value, String source) {
    }

    static final String DEFAULT_URL = "http://127.0.0.1:8080";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final String urlSource;
    private final Token token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();

    /** {@code url} is Shelter's base URL as given; {@code urlSource} says where it came from ("--url", "$SHELTER_URL"). */
    ShelterApi(String url, String urlSource, Token token) {
        this.base = baseUrl(url, urlSource);
        this.urlSource = urlSource;
        this.token = token;
    }

    /** --url and --token-file, which every action that talks to Shelter takes. */
    static void addConnectionArguments(Subparser action) {
        action.addArgument("--url").help("Shelter's base URL (default: $SHELTER_URL, else " + DEFAULT_URL + ")");
        action.addArgument("--token-file").dest("tokenFile")
                .help("a file holding the bearer token (default: $SHELTER_TOKEN_FILE, else the token in $SHELTER_TOKEN)");
    }

    /** The API named by --url, $SHELTER_URL or the default, with the token from --token-file, $SHELTER_TOKEN_FILE or $SHELTER_TOKEN. */
    static ShelterApi connect(Namespace namespace, Map<String, String> environment) {
        String url = namespace.getString("url");
        String urlSource = "--url";
        if (url == null && present(environment, "SHELTER_URL")) {
            url = environment.get("SHELTER_URL");
            urlSource = "$SHELTER_URL";
        } else if (url == null) {
            url = DEFAULT_URL;
            urlSource = "the default URL";
        }
        return new ShelterApi(url, urlSource, token(namespace.getString("tokenFile"), environment));
    }

    Reply get(String path) {
        return send(HttpRequest.newBuilder(resolve(path)).GET());
    }

    Reply post(String path, JsonNode body) {
        return send(HttpRequest.newBuilder(resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    Reply put(String path, JsonNode body) {
        return send(HttpRequest.newBuilder(resolve(path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    /** A POST without a body, for an action on a resource ("cancel"). */
    Reply post(String path) {
        return send(HttpRequest.newBuilder(resolve(path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    Reply delete(String path) {
        return send(HttpRequest.newBuilder(resolve(path)).DELETE());
    }

    /** A successful reply's body, or a {@link CliFailure} that says what to check. */
    JsonNode expectOk(Reply reply, String doing) {
        if (reply.ok()) {
            return reply.body();
        }
        throw new CliFailure(switch (reply.status()) {
            case 401 -> "cannot " + doing + ": Shelter refused the token from " + token.source() + " (" + reply.message()
                    + "); check that it is one of the tokens in Shelter's configuration";
            case 403 -> "cannot " + doing + ": the token from " + token.source() + " was accepted, but its role may not do this ("
                    + reply.message() + ")";
            default -> "cannot " + doing + ": " + reply.message();
        });
    }

    static ObjectMapper json() {
        return JSON;
    }

    /** JSON as people read it, two-space indented. */
    static String pretty(JsonNode node) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (IOException e) {
            return node.toString();
        }
    }

    /** One path segment, percent-encoded (a space as %20, never +). */
    static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The token from --token-file, $SHELTER_TOKEN_FILE or $SHELTER_TOKEN, in that order, with where it came from. */
    private static Token token(String tokenFile, Map<String, String> environment) {
        String source = "--token-file " + tokenFile;
        if (tokenFile == null && present(environment, "SHELTER_TOKEN_FILE")) {
            tokenFile = environment.get("SHELTER_TOKEN_FILE");
            source = "$SHELTER_TOKEN_FILE (" + tokenFile + ")";
        }
        if (tokenFile != null) {
            String token;
            try {
                token = Files.readString(Path.of(tokenFile), StandardCharsets.UTF_8).strip();
            } catch (NoSuchFileException e) {
                throw new CliFailure("the token file named by " + source + " does not exist");
            } catch (AccessDeniedException e) {
                throw new CliFailure("the token file named by " + source + " is not readable by this user");
            } catch (IOException | RuntimeException e) {
                throw new CliFailure("cannot read the token file named by " + source + ": " + (e.getMessage() == null
                        ? e.getClass().getSimpleName() : e.getMessage()));
            }
            if (token.isEmpty()) {
                throw new CliFailure("the token file named by " + source + " is empty");
            }
            return new Token(token, source);
        }
        if (!present(environment, "SHELTER_TOKEN")) {
            throw new CliFailure("no token: give --token-file FILE, or set SHELTER_TOKEN_FILE or SHELTER_TOKEN");
        }
        return new Token(environment.get("SHELTER_TOKEN").strip(), "$SHELTER_TOKEN");
    }

    private static boolean present(Map<String, String> environment, String variable) {
        String value = environment.get(variable);
        return value != null && !value.isBlank();
    }

    /** An absolute http(s) URL with a host, or a {@link CliFailure} saying what a base URL looks like. */
    private static URI baseUrl(String url, String source) {
        String expected = "give Shelter's base URL, such as http://127.0.0.1:8080";
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new CliFailure("the URL '" + url + "' from " + source + " is not a URL (" + e.getReason() + "): " + expected);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new CliFailure("the URL '" + url + "' from " + source + " is not an http or https URL with a host: " + expected);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new CliFailure("the URL '" + url + "' from " + source + " has a query or fragment: " + expected);
        }
        return uri;
    }

    private URI resolve(String path) {
        return URI.create(base.toString().replaceAll("/+$", "") + path);
    }

    private Reply send(HttpRequest.Builder request) {
        HttpRequest built = request.header("Authorization", "Bearer " + token.value()).header("Accept", "application/json")
                .timeout(ANSWER_TIMEOUT).build();
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
            throw new CliFailure("cannot reach Shelter at " + base + " (from " + urlSource + "): " + unreachable(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("interrupted");
        }
    }

    /** Why no answer came, in words that say what to check; the JDK's exceptions often carry no message. */
    private String unreachable(IOException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnresolvedAddressException) {
                return "unknown host " + base.getHost() + "; check the host name in " + urlSource;
            }
        }
        if (e instanceof HttpConnectTimeoutException) {
            return "no connection within " + CONNECT_TIMEOUT.toSeconds() + " s; check the host and port in " + urlSource
                    + " and that no firewall drops the connection";
        }
        if (e instanceof ConnectException) {
            return (e.getMessage() == null ? "connection refused" : e.getMessage()) + "; check that Shelter is running and that " + urlSource
                    + " names its application port (not the admin port)";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + ANSWER_TIMEOUT.toSeconds() + " s; Shelter may be overloaded or stuck";
        }
        if (e instanceof SSLException) {
            return "the TLS handshake failed (" + e.getMessage() + "); check http versus https in " + urlSource;
        }
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return detail + "; check that " + urlSource + " names Shelter's application port";
    }
}
