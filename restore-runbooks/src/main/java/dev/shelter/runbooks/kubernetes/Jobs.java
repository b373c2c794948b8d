package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.cluster.ClusterTargetException;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobList;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The Job calls Shelter makes: create (or find), wait until finished, delete with its pods. */
final class Jobs {

    private final BatchV1Api batch;
    private final Watches watches;

    Jobs(ApiClient client) {
        this.batch = new BatchV1Api(client);
        this.watches = new Watches(client);
    }

    Optional<V1Job> find(String namespace, String name) {
        try {
            return Optional.of(batch.readNamespacedJob(name, namespace).execute());
        } catch (ApiException e) {
            if (ApiFailures.isNotFound(e)) {
                return Optional.empty();
            }
            throw ApiFailures.translate(e, "read job " + namespace + "/" + name);
        }
    }

    V1Job create(String namespace, V1Job job) {
        return ApiCall.run("create job " + namespace + "/" + job.getMetadata().getName(),
                () -> batch.createNamespacedJob(namespace, job).execute());
    }

    /** Waits until the job has succeeded or failed, and returns it. */
    V1Job awaitFinished(String namespace, String name, Duration timeout) {
        String selector = "metadata.name=" + name;
        List<V1Job> finished = watches.waitFor("job " + namespace + "/" + name + " to finish", timeout,
                () -> {
                    V1JobList list = batch.listNamespacedJob(namespace).fieldSelector(selector).execute();
                    return new Watches.Listed<>(list.getItems(), list.getMetadata().getResourceVersion());
                },
                (resourceVersion, seconds) -> batch.listNamespacedJob(namespace).fieldSelector(selector)
                        .resourceVersion(resourceVersion).watch(true).timeoutSeconds(seconds).buildCall(null),
                jobs -> jobs.isEmpty() || isFinished(jobs.get(0)),
                jobs -> jobs.isEmpty() ? "no job" : "active " + jobs.get(0).getStatus());
        if (finished.isEmpty()) {
            throw new ClusterTargetException(ClusterTargetException.Reason.CONFLICT,
                    "job " + namespace + "/" + name + " was deleted before it finished");
        }
        return finished.get(0);
    }

    void delete(String namespace, String name) {
        try {
            batch.deleteNamespacedJob(name, namespace).body(new V1DeleteOptions().propagationPolicy("Background")).execute();
        } catch (ApiException e) {
            if (!ApiFailures.isNotFound(e)) {
                throw ApiFailures.translate(e, "delete job " + namespace + "/" + name);
            }
        }
    }

    static boolean succeeded(V1Job job) {
        return job.getStatus() != null && job.getStatus().getSucceeded() != null && job.getStatus().getSucceeded() > 0;
    }

    private static boolean isFinished(V1Job job) {
        return succeeded(job) || job.getStatus() != null && job.getStatus().getFailed() != null
                && job.getStatus().getFailed() > 0;
    }
}
