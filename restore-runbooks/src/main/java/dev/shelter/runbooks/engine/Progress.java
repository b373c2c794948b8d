package dev.shelter.runbooks.engine;

import java.util.Objects;

/** How far a long step is: {@code done} of {@code total} {@code unit}s (bytes, volumes, …). */
public record Progress(long done, long total, String unit) {

    public Progress {
        Objects.requireNonNull(unit, "unit");
        if (done < 0 || total < 0) {
            throw new IllegalArgumentException("progress cannot be negative: " + done + "/" + total);
        }
    }

    public boolean reachedTotal() {
        return done >= total;
    }
}
