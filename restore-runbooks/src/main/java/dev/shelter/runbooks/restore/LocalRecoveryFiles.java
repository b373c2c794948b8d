package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.wal.TimelineHistory;

import java.nio.file.Path;

/** Recovery files written in this process into a local data directory. */
public final class LocalRecoveryFiles implements RecoveryFilesTarget {

    private final Path pgdata;

    public LocalRecoveryFiles(Path pgdata) {
        this.pgdata = pgdata;
    }

    @Override
    public void write(BackupManifest backup, String restoreCommand, RestoreTarget target, TimelineHistory along) {
        RecoveryFiles.write(pgdata, backup, restoreCommand, target, along);
        RecoveryFiles.verify(pgdata, backup);
    }

    @Override
    public String describe() {
        return pgdata.toString();
    }
}
