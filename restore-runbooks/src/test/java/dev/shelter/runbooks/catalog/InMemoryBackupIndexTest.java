package dev.shelter.runbooks.catalog;

/** The index contract against the in-memory index of local mode. */
class InMemoryBackupIndexTest extends BackupIndexContract {

    private final InMemoryBackupIndex index = new InMemoryBackupIndex();

    @Override
    protected BackupIndex index() {
        return index;
    }
}
