package dev.shelter.service.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupModeWindow;
import dev.shelter.runbooks.backup.OffsiteCopy;
import dev.shelter.runbooks.backup.OffsiteScrub;
import dev.shelter.runbooks.backup.VolumeSnapshot;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * A backup as the API shows it: its state and progress (the phase, and the plan's step while it
 * runs), its manifest once known, and its protection if an operator set one.
 */
public record BackupView(String id, String cluster, String mode, String label, String state, String phase, String failure,
                         Instant requestedAt, Instant finishedAt, Integer postgresVersionNum, String systemIdentifier,
                         Long databaseBytes, String startLsn, String stopLsn, Long timeline, Double backupModeSeconds,
                         String labelFile, String tablespaceMap, List<SnapshotView> snapshots, String progress,
                         @JsonProperty("protected") boolean isProtected, ProtectionView protection, OffsiteView offsite) {

    /**
     * The backup's copy in the off-site repository: {@code state} not-exported, exporting (with
     * {@code progress}), exported (with when, and what it took), scrubbing (with {@code progress}),
     * verified (its last scrub found nothing wrong; {@code verifiedAt}) or corrupt (its last scrub
     * found the chunks in {@code lastScrub.badChunks} wrong). {@code lastFailure}: why the last
     * export or scrub ended without success, until one succeeds.
     */
    public record OffsiteView(String state, String progress, Instant exportedAt, Long bytesRead, Long bytesUploaded,
                              Integer chunksUploaded, Integer chunksReused, Boolean incremental, String distrust, Instant verifiedAt,
                              ScrubView lastScrub, String lastFailure) {

        static OffsiteView of(BackupManifest m, String exportProgress, String scrubProgress, String lastFailure) {
            OffsiteCopy copy = m.offsite();
            if (copy != null) {
                OffsiteScrub scrub = copy.lastScrub();
                String state = scrubProgress != null ? "scrubbing" : scrub == null ? "exported" : scrub.isSound() ? "verified" : "corrupt";
                return new OffsiteView(state, scrubProgress, copy.exportedAt(), copy.bytesRead(), copy.bytesUploaded(), copy.chunksUploaded(),
                        copy.chunksReused(), copy.incremental(), copy.distrust(), scrub != null && scrub.isSound() ? scrub.scrubbedAt() : null,
                        scrub == null ? null : new ScrubView(scrub.scrubbedAt(), scrub.samplePercent(), scrub.chunksNeeded(), scrub.chunksRead(),
                                scrub.badChunks(), scrub.slice()), lastFailure);
            }
            return new OffsiteView(exportProgress == null ? "not-exported" : "exporting", exportProgress, null, null, null, null, null,
                    null, null, null, null, lastFailure);
        }
    }

    /** The last scrub of a copy: when, the share read back (a sample, or a slice "I of N"), chunks needed and read, and each chunk found wrong with why. */
    public record ScrubView(Instant scrubbedAt, double samplePercent, int chunksNeeded, int chunksRead, Map<String, String> badChunks,
                            String slice) {
    }

    /** Why an operator protected the backup, and since when. */
    public record ProtectionView(String reason, Instant since) {
    }

    public record SnapshotView(String role, String name, String volume, String snapshot) {
        static SnapshotView of(VolumeSnapshot s) {
            return new SnapshotView(s.role().name().toLowerCase(Locale.ROOT), s.name(), s.ref().volume(), s.ref().snapshot());
        }
    }

    public static BackupView of(BackupManifest m) {
        return of(m, null, null, null, null);
    }

    public static BackupView of(BackupManifest m, String progress) {
        return of(m, progress, null, null, null);
    }

    /**
     * {@code progress}: where a running backup's plan is ("step 6 of 10: CreateSnapshots, 1 of 2
     * snapshots"), else null; {@code exportProgress} and {@code scrubProgress}: where its export or
     * the scrub of its copy is, while one runs; {@code offsiteFailure}: why the last of them failed, if it did.
     */
    public static BackupView of(BackupManifest m, String progress, String exportProgress, String scrubProgress, String offsiteFailure) {
        BackupModeWindow w = m.window();
        return new BackupView(m.id().value(), m.cluster().value(), lower(m.request().mode()), m.request().label(), lower(m.state()),
                lower(m.phase()), m.failure(), m.request().requestedAt(), m.finishedAt(),
                m.server() == null ? null : m.server().versionNum(),
                m.server() == null ? null : m.server().systemIdentifier().toString(),
                m.server() == null ? null : m.databaseBytes(),
                w == null ? null : w.startLsn().toString(), w == null ? null : w.stopLsn().toString(),
                w == null ? null : w.timeline().id(), w == null ? null : w.duration().toNanos() / 1e9,
                w == null ? null : w.labelFile(), w == null ? null : w.tablespaceMap(),
                m.snapshots().stream().map(SnapshotView::of).toList(), progress, m.hasProtection(),
                m.hasProtection() ? new ProtectionView(m.protection().reason(), m.protection().since()) : null,
                OffsiteView.of(m, exportProgress, scrubProgress, offsiteFailure));
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
