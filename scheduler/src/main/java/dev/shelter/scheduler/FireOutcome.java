package dev.shelter.scheduler;

import java.util.Objects;

/** What the service made of a fire: it ran (what it started), or it was skipped (why). */
public record FireOutcome(FireState state, String detail) {

    public FireOutcome {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(detail, "detail");
    }

    public static FireOutcome ran(String what) {
        return new FireOutcome(FireState.RAN, what);
    }

    public static FireOutcome skipped(String why) {
        return new FireOutcome(FireState.SKIPPED, why);
    }
}
