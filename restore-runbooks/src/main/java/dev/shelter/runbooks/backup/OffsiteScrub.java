package dev.shelter.runbooks.backup;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The last scrub of a backup's off-site copy: when it ran, the share of the chunks it read back
 * ({@code samplePercent}: a random sample, or with {@code slice} "I of N" the chunks of that slice),
 * how many chunks the copy needs and how many were read, and every chunk (or manifest, as
 * "manifest NAME") found wrong, with why. Sound when nothing was found wrong.
 */
public record OffsiteScrub(Instant scrubbedAt, double samplePercent, int chunksNeeded, int chunksRead, Map<String, String> badChunks,
                           String slice) {

    /** A scrub of a random sample. */
    public OffsiteScrub(Instant scrubbedAt, double samplePercent, int chunksNeeded, int chunksRead, Map<String, String> badChunks) {
        this(scrubbedAt, samplePercent, chunksNeeded, chunksRead, badChunks, null);
    }

    public OffsiteScrub {
        Objects.requireNonNull(scrubbedAt, "scrubbedAt");
        if (samplePercent < 0 || samplePercent > 100) {
            throw new IllegalArgumentException("a scrub reads 0 to 100 % of the chunks, not " + samplePercent);
        }
        badChunks = Collections.unmodifiableMap(new TreeMap<>(badChunks == null ? Map.of() : badChunks));
    }

    public boolean isSound() {
        return badChunks.isEmpty();
    }
}
