package dev.shelter.service.api;

import dev.shelter.storage.offsite.GarbageCollection;

import java.util.List;

/**
 * POST /api/v1/offsite/garbage:collect: the copies removed (those of deleted backups), the chunks
 * stored and needed, those marked unneeded and waiting out the grace period, and those deleted
 * (or, in a dry run, that would be), with why a deletion due was deferred, if it was.
 */
public record OffsiteGarbageView(boolean dryRun, long graceSeconds, List<String> copiesRemoved, int chunksStored, int chunksNeeded,
                                 int chunksMarked, int chunksDeleted, long bytesDeleted, String deletionDeferred) {

    public static OffsiteGarbageView of(GarbageCollection.Report report, long graceSeconds) {
        return new OffsiteGarbageView(report.dryRun(), graceSeconds, report.copiesRemoved(), report.chunksStored(), report.chunksNeeded(),
                report.chunksMarked(), report.chunksDeleted(), report.bytesDeleted(), report.deletionDeferred().orElse(null));
    }
}
