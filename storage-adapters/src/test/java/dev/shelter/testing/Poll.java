package dev.shelter.testing;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The one poll loop of the tests: look again every 100 ms (or as asked) until the real
 * condition holds, and fail with what was awaited and what was last seen when it does not within
 * the bound. Waiting on the condition rather than for a fixed time keeps a test both fast on an
 * idle machine and right on two busy cores; a bound that runs out is always a failure, never a
 * silent end of the wait.
 */
public final class Poll {

    /** What one look returns; a look that throws counts as "not yet", and the last such error is reported. */
    @FunctionalInterface
    public interface Probe<T> {
        T look() throws Exception;
    }

    private static final Duration INTERVAL = Duration.ofMillis(100);

    private Poll() {
    }

    /** Looks until {@code done} holds for what {@code probe} returns, and returns that; fails after {@code timeout}. */
    public static <T> T until(String what, Duration timeout, Probe<T> probe, Predicate<? super T> done) {
        return until(what, timeout, probe, done, () -> "");
    }

    /** As {@link #until(String, Duration, Probe, Predicate)}, adding {@code context} (a server's log, say) to a failure. */
    public static <T> T until(String what, Duration timeout, Probe<T> probe, Predicate<? super T> done, Supplier<String> context) {
        return until(what, timeout, INTERVAL, probe, done, context);
    }

    /** As above, looking every {@code interval}: shorter where a test must catch a state that lasts briefly. */
    public static <T> T until(String what, Duration timeout, Duration interval, Probe<T> probe, Predicate<? super T> done,
                              Supplier<String> context) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        Exception lastError = null;
        while (true) {
            try {
                last = probe.look();
                lastError = null;
                if (done.test(last)) {
                    return last;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting until " + what, e);
            } catch (Exception e) {
                lastError = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                String seen = lastError != null ? "last look failed: " + lastError : "last seen: " + abbreviate(String.valueOf(last));
                String more = context.get();
                AssertionError failure = new AssertionError("not within " + timeout.toSeconds() + " s: " + what + "; " + seen
                        + (more.isEmpty() ? "" : "\n" + more));
                if (lastError != null) {
                    failure.initCause(lastError);
                }
                throw failure;
            }
            pause(interval);
        }
    }

    /** Looks until {@code condition} holds; fails after {@code timeout}. */
    public static void until(String what, Duration timeout, Probe<Boolean> condition) {
        until(what, timeout, condition, Boolean.TRUE::equals);
    }

    private static void pause(Duration interval) {
        try {
            Thread.sleep(interval.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 2000 ? text : text.substring(0, 1000) + " […] " + text.substring(text.length() - 1000);
    }
}
