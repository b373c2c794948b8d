package dev.shelter.service.resources;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.service.api.BackupView;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The views and JSON of listed backups, kept per manifest object. The in-memory index hands out
 * the same manifest object until the backup changes, and dashboards ask for the same first page
 * again and again, so a backup is turned into JSON once per change instead of once per request:
 * serialising fifty views was the largest single cost of a listing under load. Kept by identity,
 * not equality: comparing two views field by field costs about as much as serialising one. An
 * index that decodes new objects for every listing (the PostgreSQL one) gets no hits, only the
 * bound: everything kept is forgotten at once past {@value #MAX_KEPT}, a bound on memory (about
 * 2 KB per backup) rather than an eviction policy.
 */
final class KeptBackupJson {

    static final int MAX_KEPT = 5_000;

    /** An object compared by identity. */
    private record Same(Object object) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Same same && same.object == object;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(object);
        }
    }

    private final ObjectMapper mapper;
    private final Map<Same, BackupView> views = new ConcurrentHashMap<>();
    private final Map<Same, byte[]> json = new ConcurrentHashMap<>();

    KeptBackupJson(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** The list view of {@code manifest}: the same view object for the same manifest object. */
    BackupView viewOf(BackupManifest manifest) {
        Same key = new Same(manifest);
        BackupView known = views.get(key);
        if (known != null) {
            return known;
        }
        BackupView view = BackupView.of(manifest);
        keep(views, key, view);
        return view;
    }

    /** {@code view} as the mapper writes it. */
    byte[] jsonOf(BackupView view) throws IOException {
        Same key = new Same(view);
        byte[] known = json.get(key);
        if (known != null) {
            return known;
        }
        byte[] written = mapper.writeValueAsBytes(view);
        keep(json, key, written);
        return written;
    }

    private static <V> void keep(Map<Same, V> kept, Same key, V value) {
        if (kept.size() >= MAX_KEPT) {
            kept.clear();
        }
        kept.put(key, value);
    }
}
