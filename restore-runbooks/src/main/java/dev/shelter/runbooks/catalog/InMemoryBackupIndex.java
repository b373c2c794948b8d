package dev.shelter.runbooks.catalog;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The index in memory (local mode), rebuilt from the manifests at startup. Listings are served from
 * per-cluster, per-state maps kept newest first, so a page costs its own length and not a scan of
 * every manifest: the API lists one cluster's first page far more often than anything writes.
 * Writers are serialised; readers take no lock and may, for the instant of a state change, count a
 * manifest under its old state.
 */
public final class InMemoryBackupIndex implements BackupIndex {

    private static final Comparator<BackupId> NEWEST_FIRST = Comparator.reverseOrder();

    private final ConcurrentSkipListMap<BackupId, BackupManifest> byId = new ConcurrentSkipListMap<>(NEWEST_FIRST);
    private final Map<ClusterName, Shelf> byCluster = new ConcurrentHashMap<>();

    /** One cluster's manifests: all of them, and each state's; {@code size()} of these maps is a counter read, not a walk. */
    private static final class Shelf {
        final ConcurrentSkipListMap<BackupId, BackupManifest> all = new ConcurrentSkipListMap<>(NEWEST_FIRST);
        final Map<BackupState, ConcurrentSkipListMap<BackupId, BackupManifest>> byState = new EnumMap<>(BackupState.class);

        Shelf() {
            for (BackupState state : BackupState.values()) {
                byState.put(state, new ConcurrentSkipListMap<>(NEWEST_FIRST));
            }
        }

        NavigableMap<BackupId, BackupManifest> of(Optional<BackupState> state) {
            return state.<NavigableMap<BackupId, BackupManifest>>map(byState::get).orElse(all);
        }
    }

    @Override
    public synchronized void upsert(BackupManifest manifest) {
        Shelf shelf = byCluster.computeIfAbsent(manifest.cluster(), c -> new Shelf());
        BackupManifest previous = byId.put(manifest.id(), manifest);
        shelf.all.put(manifest.id(), manifest);
        shelf.byState.get(manifest.state()).put(manifest.id(), manifest);
        if (previous != null && !previous.cluster().equals(manifest.cluster())) {
            unshelve(previous);
        } else if (previous != null && previous.state() != manifest.state()) {
            shelf.byState.get(previous.state()).remove(previous.id());
        }
    }

    private void unshelve(BackupManifest manifest) {
        Shelf shelf = byCluster.get(manifest.cluster());
        shelf.all.remove(manifest.id());
        shelf.byState.get(manifest.state()).remove(manifest.id());
    }

    @Override
    public Optional<BackupManifest> find(BackupId id) {
        return Optional.ofNullable(byId.get(id));
    }

    @Override
    public Page list(ClusterName cluster, Optional<BackupState> state, int offset, int limit) {
        Shelf shelf = byCluster.get(cluster);
        if (shelf == null) {
            return new Page(List.of(), 0);
        }
        NavigableMap<BackupId, BackupManifest> matching = shelf.of(state);
        int total = matching.size();
        long end = Math.min((long) offset + limit, total);
        if (offset >= end) {
            return new Page(List.of(), total);
        }
        int count = (int) (end - offset);
        // A page nearer the oldest end (the recoverable window asks for the oldest backup) is walked from there.
        if (offset > total / 2) {
            List<BackupManifest> oldestFirst = take(matching.descendingMap().values().iterator(), total - (int) end, count);
            Collections.reverse(oldestFirst);
            return new Page(oldestFirst, total);
        }
        return new Page(take(matching.values().iterator(), offset, count), total);
    }

    private static List<BackupManifest> take(Iterator<BackupManifest> from, int skip, int count) {
        for (int i = 0; i < skip && from.hasNext(); i++) {
            from.next();
        }
        List<BackupManifest> taken = new ArrayList<>(Math.min(count, 1024));
        while (taken.size() < count && from.hasNext()) {
            taken.add(from.next());
        }
        return taken;
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
    public synchronized void replaceAll(List<BackupManifest> manifests) {
        // put first, then drop the rest: a concurrent reader never sees an empty index
        manifests.forEach(this::upsert);
        Set<BackupId> kept = new HashSet<>();
        manifests.forEach(m -> kept.add(m.id()));
        for (BackupManifest dropped : List.copyOf(byId.values())) {
            if (!kept.contains(dropped.id())) {
                unshelve(dropped);
                byId.remove(dropped.id());
            }
        }
    }
}
