package dev.shelter.storage.offsite;

import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.BlobStoreException;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Garbage collection of the repository (DESIGN.md section 6: manifests first, then chunks), in two
 * phases with a grace period:
 * <ol>
 *   <li>the copies of backups that are no longer kept are removed;</li>
 *   <li>each chunk no copy needs is marked, with the time it was first seen unneeded
 *       ({@code offsite/gc/candidates});</li>
 *   <li>a chunk marked at least the grace period ago and still unneeded is deleted.</li>
 * </ol>
 * An export may take a chunk as stored (dedup) long before its manifest names it. So deletion is
 * fenced: the collection writes {@code offsite/gc/sweeping} before it asks whether any export is
 * in flight, and an export, once its journal is written, refuses to go on while that marker is
 * fresh ({@link #requireNoSweep}). One of the two always sees the other; with an export in flight
 * the deletion waits for the next collection. A copy that cannot be read stops the collection:
 * what it needs is unknown.
 */
public final class GarbageCollection {

    static final BlobKey CANDIDATES = BlobKey.of(OffsiteRepository.PREFIX + "gc/candidates");
    static final BlobKey SWEEPING = BlobKey.of(OffsiteRepository.PREFIX + "gc/sweeping");
    /** A marker older than this was left by a collection that died: it fences nothing any more. */
    static final Duration STALE_MARKER = Duration.ofHours(6);

    /** What a collection did, or with {@code dryRun} would do. {@code deletionDeferred} says why chunks due were kept. */
    public record Report(boolean dryRun, List<String> copiesRemoved, int chunksStored, int chunksNeeded, int chunksMarked,
                         int chunksDeleted, long bytesDeleted, Optional<String> deletionDeferred) {
    }

    private final BlobStore store;
    private final OffsiteRepository repository;

    GarbageCollection(BlobStore store, OffsiteRepository repository) {
        this.store = store;
        this.repository = repository;
    }

    /**
     * @param backupIsKept      by backup id: whether the backup's copies must stay (a copy is named "BACKUP/volume")
     * @param exportsInFlight   whether any export has begun and not ended, asked after the marker is written
     */
    public Report collect(Predicate<String> backupIsKept, BooleanSupplier exportsInFlight, Instant now, Duration grace, boolean dryRun) {
        List<String> removed = new ArrayList<>();
        for (RepositoryScrub.Copy copy : repository.scrub().copies("")) {
            String backup = copy.name().substring(0, Math.max(0, copy.name().indexOf('/')));
            if (!backup.isEmpty() && !backupIsKept.test(backup)) {
                removed.add(copy.name());
                if (!dryRun) {
                    repository.copies().delete(copy.name());
                }
            }
        }
        Map<ChunkId, Long> stored = repository.chunks().listStored();
        Set<ChunkId> needed = neededChunks(removed);
        Map<ChunkId, Instant> marked = readCandidates();
        Map<ChunkId, Instant> candidates = new TreeMap<>();
        List<ChunkId> due = new ArrayList<>();
        for (ChunkId chunk : stored.keySet()) {
            if (needed.contains(chunk)) {
                continue;
            }
            Instant since = marked.getOrDefault(chunk, now);
            candidates.put(chunk, since);
            if (!since.plus(grace).isAfter(now)) {
                due.add(chunk);
            }
        }
        Optional<String> deferred = Optional.empty();
        int deleted = 0;
        long bytes = 0;
        if (!due.isEmpty() && !dryRun) {
            store.put(SWEEPING, now.toString().getBytes(StandardCharsets.UTF_8));
            try {
                if (exportsInFlight.getAsBoolean()) {
                    deferred = Optional.of("an export is in flight: the chunks it took as stored may not be in any copy yet");
                } else {
                    Set<ChunkId> neededNow = neededChunks(List.of()); // a copy written since the first look
                    for (ChunkId chunk : due) {
                        if (neededNow.contains(chunk)) {
                            candidates.remove(chunk);
                            continue;
                        }
                        store.delete(ChunkStore.key(chunk));
                        candidates.remove(chunk);
                        deleted++;
                        bytes += stored.get(chunk);
                    }
                }
            } finally {
                store.delete(SWEEPING);
            }
        } else if (!due.isEmpty()) {
            deleted = due.size();
            bytes = due.stream().mapToLong(stored::get).sum();
        }
        if (!dryRun) {
            writeCandidates(candidates);
        }
        return new Report(dryRun, List.copyOf(removed), stored.size(), needed.size(), candidates.size() - (dryRun ? deleted : 0),
                deleted, bytes, deferred);
    }

    /** Refuses while a collection is deleting chunks (its marker is fresh): an export goes on after it. */
    public void requireNoSweep(Instant now) {
        Optional<InputStream> marker = store.open(SWEEPING);
        if (marker.isEmpty()) {
            return;
        }
        Instant since;
        try (InputStream in = marker.get()) {
            since = Instant.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
        } catch (IOException | RuntimeException e) {
            since = now; // unreadable: taken as fresh, the careful way
        }
        if (since.plus(STALE_MARKER).isAfter(now)) {
            throw new IllegalStateException("a garbage collection of " + repository.describe() + " is deleting chunks (since " + since
                    + "): the export goes on once it has ended");
        }
    }

    /** Every chunk a copy needs, but those of {@code leaving}; a copy that cannot be read stops the collection. */
    private Set<ChunkId> neededChunks(List<String> leaving) {
        Set<ChunkId> needed = new HashSet<>();
        for (RepositoryScrub.Copy copy : repository.scrub().copies("")) {
            if (leaving.contains(copy.name())) {
                continue;
            }
            try {
                needed.addAll(repository.scrub().chunksOf(copy));
            } catch (CorruptManifestException e) {
                throw new IllegalStateException("garbage collection stopped: copy " + copy.name() + " cannot be read (" + e.getMessage()
                        + "), so the chunks it needs are unknown; nothing was deleted", e);
            }
        }
        return needed;
    }

    private Map<ChunkId, Instant> readCandidates() {
        Map<ChunkId, Instant> candidates = new TreeMap<>();
        Optional<InputStream> object = store.open(CANDIDATES);
        if (object.isEmpty()) {
            return candidates;
        }
        Properties properties = new Properties();
        try (InputStream in = object.get()) {
            properties.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new BlobStoreException("cannot read " + CANDIDATES + " from " + store.describe() + ": " + e.getMessage(), e);
        }
        properties.stringPropertyNames().forEach(hex -> candidates.put(new ChunkId(hex), Instant.parse(properties.getProperty(hex))));
        return candidates;
    }

    private void writeCandidates(Map<ChunkId, Instant> candidates) {
        if (candidates.isEmpty()) {
            store.delete(CANDIDATES);
            return;
        }
        Properties properties = new Properties();
        candidates.forEach((chunk, since) -> properties.setProperty(chunk.hex(), since.toString()));
        StringWriter text = new StringWriter();
        try {
            properties.store(text, "chunks no copy needs, with when each was first seen so; deleted once the grace period has passed");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        store.put(CANDIDATES, text.toString().getBytes(StandardCharsets.UTF_8));
    }
}
