package dev.shelter.storage.offsite;

import dev.shelter.storage.blob.BlobInfo;
import dev.shelter.storage.blob.BlobStore;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Checks the repository: every copy's manifest is read and checked, every chunk a copy names must
 * be there, and a share of the chunks is read back and checked against its name. What is wrong is
 * reported by chunk and by the copies that need it, so an operator knows which backups a damaged
 * chunk takes down.
 *
 * <p>Which chunks are read: a random {@link Selection#sample} (a quick check), or one
 * {@link Selection#slice} of a fixed partition by name, so that a deep scrub run once a day over
 * slice {@code day % n} of {@code n} has read every chunk in {@code n} days.
 */
public final class RepositoryScrub {

    /** Which chunks a scrub reads back. */
    public interface Selection {
        boolean includes(ChunkId chunk);

        String describe();

        /** Each chunk with the sample's chance. */
        static Selection sample(SampleCheck sample) {
            return new Selection() {
                @Override
                public boolean includes(ChunkId chunk) {
                    return sample.draw();
                }

                @Override
                public String describe() {
                    return sample.percent() + " % of the chunks at random";
                }
            };
        }

        /** The chunks whose name's first two bytes, as a number, are {@code index} modulo {@code of}. */
        static Selection slice(int index, int of) {
            if (of < 1 || of > 65536 || index < 0 || index >= of) {
                throw new IllegalArgumentException("a slice is 0 <= index < of <= 65536, not " + index + " of " + of);
            }
            return new Selection() {
                @Override
                public boolean includes(ChunkId chunk) {
                    return Integer.parseInt(chunk.hex().substring(0, 4), 16) % of == index;
                }

                @Override
                public String describe() {
                    return "slice " + index + " of " + of;
                }
            };
        }
    }

    /**
     * What a scrub found: chunks read and found sound, chunks wrong (missing or damaged) with why,
     * the copies that need each wrong chunk, and copies whose manifest itself is damaged.
     */
    public record Report(String selection, int copies, int chunksStored, int chunksRead, Map<ChunkId, String> badChunks,
                         Map<String, Set<ChunkId>> copiesAffected, Map<String, String> badManifests) {

        public boolean isSound() {
            return badChunks.isEmpty() && badManifests.isEmpty();
        }
    }

    private final BlobStore store;
    private final OffsiteRepository repository;

    public RepositoryScrub(BlobStore store, OffsiteRepository repository) {
        this.store = store;
        this.repository = repository;
    }

    public Report scrub(Selection selection, Consumer<Integer> chunksReadSoFar) {
        Set<ChunkId> stored = new TreeSet<>();
        for (BlobInfo object : store.list(ChunkStore.PREFIX)) {
            String key = object.key().value();
            stored.add(new ChunkId(key.substring(key.lastIndexOf('/') + 1)));
        }
        Map<String, Set<ChunkId>> needs = new TreeMap<>();
        Map<String, String> badManifests = new TreeMap<>();
        List<String> names = copyNames();
        for (String name : names) {
            try {
                needs.put(name, chunksOf(name));
            } catch (CorruptManifestException e) {
                badManifests.put(name, e.getMessage());
            }
        }
        Map<ChunkId, String> bad = new TreeMap<>();
        needs.values().forEach(chunks -> chunks.stream().filter(chunk -> !stored.contains(chunk))
                .forEach(chunk -> bad.put(chunk, "missing")));
        int read = 0;
        for (ChunkId chunk : stored) {
            if (!selection.includes(chunk)) {
                continue;
            }
            try {
                repository.chunks().get(chunk);
            } catch (CorruptChunkException e) {
                bad.put(chunk, e.getMessage());
            }
            chunksReadSoFar.accept(++read);
        }
        Map<String, Set<ChunkId>> affected = new TreeMap<>();
        needs.forEach((name, chunks) -> {
            Set<ChunkId> wrong = new TreeSet<>(chunks);
            wrong.retainAll(bad.keySet());
            if (!wrong.isEmpty()) {
                affected.put(name, Collections.unmodifiableSet(wrong));
            }
        });
        return new Report(selection.describe(), names.size(), stored.size(), read, Collections.unmodifiableMap(bad),
                Collections.unmodifiableMap(affected), Collections.unmodifiableMap(badManifests));
    }

    private List<String> copyNames() {
        List<String> names = new ArrayList<>();
        for (String prefix : List.of(VolumeCopies.IMAGES, VolumeCopies.TREES)) {
            store.list(prefix).forEach(object -> names.add(object.key().value().substring(prefix.length())));
        }
        return names;
    }

    private Set<ChunkId> chunksOf(String name) {
        Set<ChunkId> chunks = new HashSet<>();
        repository.copies().findImage(name).ifPresent(image -> chunks.addAll(image.chunks().values()));
        repository.copies().findTree(name).ifPresent(tree -> tree.entries().forEach(entry -> {
            if (entry instanceof TreeManifest.RegularFile file) {
                chunks.addAll(file.content().chunks().values());
            }
        }));
        return chunks;
    }
}
