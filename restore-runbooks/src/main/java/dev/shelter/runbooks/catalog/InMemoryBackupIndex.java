package dev.shelter.runbooks.catalog;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** The index in memory (local mode), rebuilt from the manifests at startup. */
public final class InMemoryBackupIndex implements BackupIndex {

    private final ConcurrentSkipListMap<BackupId, BackupManifest> byId = new ConcurrentSkipListMap<>(Comparator.reverseOrder());

    @Override
    public void upsert(BackupManifest manifest) {
        byId.put(manifest.id(), manifest);
    }

    @Override
    public Optional<BackupManifest> find(BackupId id) {
        return Optional.ofNullable(byId.get(id));
    }

    @Override
    public Page list(ClusterName cluster, Optional<BackupState> state, int offset, int limit) {
        List<BackupManifest> matching = byId.values().stream()
                .filter(m -> m.cluster().equals(cluster))
                .filter(m -> state.map(s -> m.state() == s).orElse(true))
                .toList();
        return new Page(matching.stream().skip(offset).limit(limit).toList(), matching.size());
    }

    @Override
    public List<BackupManifest> inState(BackupState state) {
        return byId.values().stream().filter(m -> m.state() == state).toList();
    }

    @Override
    public boolean isEmpty() {
        return byId.isEmpty();
    }

    @Override
    public void replaceAll(List<BackupManifest> manifests) {
        // put first, then drop the rest: a concurrent reader never sees an empty index
        manifests.forEach(m -> byId.put(m.id(), m));
        java.util.Set<BackupId> kept = manifests.stream().map(BackupManifest::id).collect(java.util.stream.Collectors.toSet());
        byId.keySet().removeIf(id -> !kept.contains(id));
    }
}
