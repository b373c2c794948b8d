package dev.shelter.runbooks.kubernetes;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.shelter.runbooks.cluster.ClusterTargetException.Reason;
import dev.shelter.runbooks.cluster.ClusterTargetException;
import io.kubernetes.client.openapi.ApiException;

/**
 * The one place that turns an API server's answer into a {@link ClusterTargetException}, keeping
 * the server's own message (RBAC denials name the user, verb and resource, which is what an SRE
 * needs) and dropping the HTTP plumbing. It also decides what is worth another try.
 */
final class ApiFailures {

    private ApiFailures() {
    }

    /** {@code doing} says what Shelter tried, e.g. "scale statefulset db/pg". */
    static ClusterTargetException translate(ApiException e, String doing) {
        String message = "cannot " + doing + ": " + serverMessage(e);
        Reason reason = switch (e.getCode()) {
            case 404 -> Reason.NOT_FOUND;
            case 401, 403 -> Reason.FORBIDDEN;
            case 409 -> Reason.CONFLICT;
            case 400, 422, 429 -> Reason.REFUSED;
            case 504 -> Reason.TIMEOUT;
            default -> Reason.UNAVAILABLE;
        };
        return new ClusterTargetException(reason, message, e);
    }

    /**
     * Worth another try: an update that lost a race (409), an eviction a disruption budget refuses
     * for now (429), the server busy or restarting (5xx, or no answer at all: code 0).
     */
    static boolean isTransient(ApiException e) {
        int code = e.getCode();
        return code == 0 || code == 409 || code == 429 || code >= 500;
    }

    static boolean isNotFound(ApiException e) {
        return e.getCode() == 404;
    }

    private static String serverMessage(ApiException e) {
        String body = e.getResponseBody();
        if (body != null && !body.isBlank()) {
            try {
                JsonElement status = JsonParser.parseString(body);
                if (status.isJsonObject() && status.getAsJsonObject().has("message")) {
                    return status.getAsJsonObject().get("message").getAsString();
                }
            } catch (RuntimeException notJson) {
                return body.strip();
            }
        }
        if (e.getCode() == 0) {
            return "no answer from the API server (" + rootMessage(e) + ")";
        }
        return "HTTP " + e.getCode() + (e.getMessage() == null ? "" : " " + e.getMessage());
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
