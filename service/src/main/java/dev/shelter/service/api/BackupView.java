package dev.shelter.service.api;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupModeWindow;
import dev.shelter.runbooks.backup.VolumeSnapshot;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** A backup as the API shows it: its state and progress (the phase, and the plan's step while it runs), and its manifest once known. */
public record BackupView(String id, String cluster, String mode, String label, String state, String phase, String failure,
                         Instant requestedAt, Instant finishedAt, Integer postgresVersionNum, String systemIdentifier,
                         Long databaseBytes, String startLsn, String stopLsn, Long timeline, Double backupModeSeconds,
                         String labelFile, String tablespaceMap, List<SnapshotView> snapshots, String progress) {

    public record SnapshotView(String role, String name, String volume, String snapshot) {
        static SnapshotView of(VolumeSnapshot s) {
            return new SnapshotView(s.role().name().toLowerCase(Locale.ROOT), s.name(), s.ref().volume(), s.ref().snapshot());
        }
    }

    public static BackupView of(BackupManifest m) {
        return of(m, null);
    }

    /** {@code progress}: where a running backup's plan is ("step 6 of 10: CreateSnapshots, 1 of 2 snapshots"), else null. */
    public static BackupView of(BackupManifest m, String progress) {
        BackupModeWindow w = m.window();
        return new BackupView(m.id().value(), m.cluster().value(), lower(m.request().mode()), m.request().label(), lower(m.state()),
                lower(m.phase()), m.failure(), m.request().requestedAt(), m.finishedAt(),
                m.server() == null ? null : m.server().versionNum(),
                m.server() == null ? null : m.server().systemIdentifier().toString(),
                m.server() == null ? null : m.databaseBytes(),
                w == null ? null : w.startLsn().toString(), w == null ? null : w.stopLsn().toString(),
                w == null ? null : w.timeline().id(), w == null ? null : w.duration().toNanos() / 1e9,
                w == null ? null : w.labelFile(), w == null ? null : w.tablespaceMap(),
                m.snapshots().stream().map(SnapshotView::of).toList(), progress);
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
