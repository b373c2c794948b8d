package dev.shelter.runbooks.backup;

import java.time.Instant;
import java.util.Objects;

/**
 * A backup's copy in the off-site repository: when it was made, and what making it took. Bytes
 * read are of the snapshots; bytes sent are as stored (compressed, encrypted). {@code incremental}
 * when some volume was copied from its previous copy and a diff; {@code distrust} says where a
 * diff or comparison was caught leaving a change out (the volume was then read whole), or is null.
 * {@code lastScrub} is the last scrub of the copy, or null if none ran.
 */
public record OffsiteCopy(Instant exportedAt, long bytesRead, long bytesUploaded, int chunksUploaded, int chunksReused,
                          boolean incremental, String distrust, OffsiteScrub lastScrub) {

    public OffsiteCopy {
        Objects.requireNonNull(exportedAt, "exportedAt");
    }

    /** Not scrubbed yet. */
    public OffsiteCopy(Instant exportedAt, long bytesRead, long bytesUploaded, int chunksUploaded, int chunksReused, boolean incremental,
                       String distrust) {
        this(exportedAt, bytesRead, bytesUploaded, chunksUploaded, chunksReused, incremental, distrust, null);
    }

    public OffsiteCopy scrubbed(OffsiteScrub scrub) {
        return new OffsiteCopy(exportedAt, bytesRead, bytesUploaded, chunksUploaded, chunksReused, incremental, distrust,
                Objects.requireNonNull(scrub, "scrub"));
    }
}
