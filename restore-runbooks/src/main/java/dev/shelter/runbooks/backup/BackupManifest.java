package dev.shelter.runbooks.backup;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything a restore needs to know about one backup, and where the backup is in its life.
 * The copy in the object store is the truth; the catalog database only indexes it.
 * {@code server}, {@code window} and {@code finishedAt} are null until known; {@code failure} is
 * null unless the backup failed; {@code protection} is null unless an operator protected the
 * completed backup (manifests written before protections existed have none); {@code offsite} is
 * null until the backup has a copy in the off-site repository.
 */
public record BackupManifest(BackupRequest request, BackupState state, BackupPhase phase, String failure,
                             ServerIdentity server, BackupModeWindow window, List<VolumeSnapshot> snapshots,
                             long databaseBytes, Instant finishedAt, BackupProtection protection,
                             OffsiteCopy offsite) {

    public BackupManifest {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(phase, "phase");
        snapshots = List.copyOf(snapshots);
        if (state == BackupState.COMPLETED && (server == null || window == null || snapshots.isEmpty())) {
            throw new IllegalArgumentException("a completed backup needs its server, its backup-mode window and its snapshots");
        }
        if (protection != null && state != BackupState.COMPLETED) {
            throw new IllegalArgumentException("only a completed backup can be protected, not a " + state + " one");
        }
        if (offsite != null && state != BackupState.COMPLETED) {
            throw new IllegalArgumentException("only a completed backup has an off-site copy, not a " + state + " one");
        }
    }

    public static BackupManifest running(BackupRequest request) {
        return new BackupManifest(request, BackupState.RUNNING, BackupPhase.QUEUED, null, null, null, List.of(), 0, null, null, null);
    }

    public BackupId id() {
        return request.id();
    }

    public ClusterName cluster() {
        return request.cluster();
    }

    public BackupManifest inPhase(BackupPhase next) {
        return new BackupManifest(request, state, next, failure, server, window, snapshots, databaseBytes, finishedAt, protection, offsite);
    }

    public BackupManifest withServer(ServerIdentity identity, long bytes) {
        return new BackupManifest(request, state, phase, failure, identity, window, snapshots, bytes, finishedAt, protection, offsite);
    }

    public BackupManifest withSnapshots(List<VolumeSnapshot> taken) {
        return new BackupManifest(request, state, phase, failure, server, window, taken, databaseBytes, finishedAt, protection, offsite);
    }

    public BackupManifest withWindow(BackupModeWindow stopped) {
        return new BackupManifest(request, state, phase, failure, server, stopped, snapshots, databaseBytes, finishedAt, protection,
                offsite);
    }

    public BackupManifest completed(Instant at) {
        return new BackupManifest(request, BackupState.COMPLETED, BackupPhase.DONE, null, server, window, snapshots,
                databaseBytes, at, protection, offsite);
    }

    /** Failed: its snapshots are gone, so none is listed. */
    public BackupManifest failed(String reason, Instant at) {
        return new BackupManifest(request, BackupState.FAILED, BackupPhase.DONE, reason, server, window, List.of(),
                databaseBytes, at, null, null);
    }

    public BackupManifest deleted(Instant at) {
        return new BackupManifest(request, BackupState.DELETED, BackupPhase.DONE, failure, server, window, List.of(),
                databaseBytes, at, null, null);
    }

    public boolean hasProtection() {
        return protection != null;
    }

    public BackupManifest protectedBy(BackupProtection given) {
        return new BackupManifest(request, state, phase, failure, server, window, snapshots, databaseBytes, finishedAt,
                Objects.requireNonNull(given, "protection"), offsite);
    }

    public BackupManifest unprotected() {
        return new BackupManifest(request, state, phase, failure, server, window, snapshots, databaseBytes, finishedAt, null, offsite);
    }

    public BackupManifest exportedAs(OffsiteCopy copy) {
        return new BackupManifest(request, state, phase, failure, server, window, snapshots, databaseBytes, finishedAt, protection,
                Objects.requireNonNull(copy, "copy"));
    }
}
