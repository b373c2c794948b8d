package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.cluster.ClusterTargetException;
import io.kubernetes.client.openapi.ApiException;

import java.util.Optional;

/** One request to the API server, as a lambda. */
@FunctionalInterface
interface ApiCall<T> {
    T call() throws ApiException;

    /** Runs it, translating a failure into a ClusterTargetException that says what was being done. */
    static <T> T run(String doing, ApiCall<T> call) {
        try {
            return call.call();
        } catch (ApiException e) {
            throw ApiFailures.translate(e, doing);
        }
    }

    /** As {@link #run}, with a 404 as empty: a read of what may not exist. */
    static <T> Optional<T> readOrEmpty(String doing, ApiCall<T> call) {
        try {
            return Optional.of(run(doing, call));
        } catch (ClusterTargetException e) {
            if (e.reason() == ClusterTargetException.Reason.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
