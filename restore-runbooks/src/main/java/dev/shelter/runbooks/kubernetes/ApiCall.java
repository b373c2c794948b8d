package dev.shelter.runbooks.kubernetes;

import io.kubernetes.client.openapi.ApiException;

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
}
