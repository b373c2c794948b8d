package dev.shelter.storage.offsite;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * How much of what an incremental export takes unread (a diff calls it unchanged, or a file's size
 * and time are) is read anyway and compared: {@code percent} of it, chosen by {@code random}.
 */
public record SampleCheck(double percent, SplittableRandom random) {

    public static final SampleCheck NONE = new SampleCheck(0, new SplittableRandom(0));

    public SampleCheck {
        Objects.requireNonNull(random, "random");
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("a sample is 0 to 100 percent, not " + percent);
        }
    }

    /** Whether to read one more thing taken unread, each with a chance of {@code percent}. */
    boolean draw() {
        return random.nextDouble() * 100 < percent;
    }
}
