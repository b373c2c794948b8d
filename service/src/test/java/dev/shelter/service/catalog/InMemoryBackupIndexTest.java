package dev.shelter.service.catalog;

import dev.shelter.service.core.BackupIndex;
import dev.shelter.service.core.BackupIndexContract;

/** The index contract against the in-memory index of local mode. */
class InMemoryBackupIndexTest extends BackupIndexContract {

    private final InMemoryBackupIndex index = new InMemoryBackupIndex();

    @Override
    protected BackupIndex index() {
        return index;
    }
}
