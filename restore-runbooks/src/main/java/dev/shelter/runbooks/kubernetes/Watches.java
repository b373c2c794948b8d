package dev.shelter.runbooks.kubernetes;

import com.google.gson.reflect.TypeToken;
import dev.shelter.runbooks.cluster.ClusterTargetException;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.util.Watch;
import okhttp3.Call;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;

/**
 * Waiting for a state on watches instead of polling: list, test, and if not there yet, watch from
 * the list's resourceVersion until anything changes, then list again. A change between the list
 * and the watch is not lost, because the watch starts at that version.
 */
final class Watches {

    /** The longest single watch request: bounded, so a dropped connection costs little. */
    private static final int WATCH_SECONDS = 10;

    /** A list and the resourceVersion it was read at. */
    record Listed<T>(T items, String resourceVersion) {
    }

    interface Lister<T> {
        Listed<T> list() throws ApiException;
    }

    interface WatchOpener {
        Call open(String resourceVersion, int timeoutSeconds) throws ApiException;
    }

    private final ApiClient client;

    Watches(ApiClient client) {
        this.client = client;
    }

    /**
     * Returns the first listed state that satisfies {@code done}; throws TIMEOUT after {@code timeout},
     * saying what it waited for and what it saw last ({@code describe}).
     */
    <T> T waitFor(String what, Duration timeout, Lister<T> lister, WatchOpener opener, Predicate<T> done,
                  java.util.function.Function<T, String> describe) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            Listed<T> listed = ApiCall.run("list while waiting for " + what, lister::list);
            if (done.test(listed.items())) {
                return listed.items();
            }
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.isNegative() || left.isZero()) {
                throw new ClusterTargetException(ClusterTargetException.Reason.TIMEOUT, "timed out after "
                        + timeout.toSeconds() + " s waiting for " + what + "; last seen: " + describe.apply(listed.items()));
            }
            int seconds = (int) Math.max(1, Math.min(WATCH_SECONDS, (left.toMillis() + 999) / 1000));
            awaitOneChange(listed.resourceVersion(), seconds, opener);
        }
    }

    private void awaitOneChange(String resourceVersion, int seconds, WatchOpener opener) {
        try (Watch<Object> watch = Watch.createWatch(client, opener.open(resourceVersion, seconds),
                new TypeToken<Watch.Response<Object>>() { }.getType())) {
            // One event (or the server ending the watch, or 410 Gone) is enough: the caller lists again.
            if (watch.hasNext()) {
                watch.next();
            }
        } catch (ApiException e) {
            if (!ApiFailures.isTransient(e) && e.getCode() != 410) {
                throw ApiFailures.translate(e, "watch");
            }
            pause();
        } catch (IOException | RuntimeException e) {
            // A watch that broke off (timeout, reset): list again; the deadline bounds the loop.
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterTargetException(ClusterTargetException.Reason.TIMEOUT, "interrupted while waiting", e);
        }
    }
}
