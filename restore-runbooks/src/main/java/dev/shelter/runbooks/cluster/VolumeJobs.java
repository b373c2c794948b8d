package dev.shelter.runbooks.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A one-off job that mounts a member's volume, for restore preparation (writing backup_label and
 * recovery settings into a PGDATA that no server is running on). Only targets with a scheduler of
 * their own offer it; in local mode the same code runs in-process instead.
 */
public interface VolumeJobs {

    /** What to run: {@code command} in {@code image}, with the claim mounted read-write at {@code mountPath}. */
    record VolumeJob(String name, String claim, String mountPath, String image, List<String> command) {
        public VolumeJob {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(claim, "claim");
            Objects.requireNonNull(mountPath, "mountPath");
            Objects.requireNonNull(image, "image");
            command = List.copyOf(command);
        }
    }

    /** How it ended; {@code log} is the job's output (its tail, for long output). */
    record JobOutcome(boolean succeeded, String log) {
    }

    /** Runs the job to its end (or the timeout) and deletes it. A job of that name still there is reused. */
    JobOutcome runWithVolume(VolumeJob job, Duration timeout);
}
