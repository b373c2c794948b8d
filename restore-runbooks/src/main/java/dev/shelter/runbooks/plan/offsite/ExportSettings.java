package dev.shelter.runbooks.plan.offsite;

/**
 * How exports run: {@code parallelUploads} chunks sent at a time, at most
 * {@code bandwidthBytesPerSecond} (0: no limit), and {@code samplePercent} of what a diff or a
 * comparison calls unchanged read anyway to check it.
 */
public record ExportSettings(int parallelUploads, long bandwidthBytesPerSecond, double samplePercent) {

    public ExportSettings {
        if (parallelUploads < 1 || parallelUploads > 64) {
            throw new IllegalArgumentException("parallelUploads is 1 to 64, not " + parallelUploads);
        }
        if (bandwidthBytesPerSecond < 0) {
            throw new IllegalArgumentException("bandwidthBytesPerSecond is >= 0 (0: no limit), not " + bandwidthBytesPerSecond);
        }
        if (samplePercent < 0 || samplePercent > 100) {
            throw new IllegalArgumentException("samplePercent is 0 to 100, not " + samplePercent);
        }
    }
}
