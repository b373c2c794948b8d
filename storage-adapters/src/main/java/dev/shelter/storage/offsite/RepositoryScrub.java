package dev.shelter.storage.offsite;

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
        Set<ChunkId> stored = repository.chunks().listStored().keySet();
        Map<String, String> badManifests = new TreeMap<>();
        List<Copy> copies = copies("");
        Map<String, Set<ChunkId>> needs = needs(copies, badManifests);
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
        return new Report(selection.describe(), copies.size(), stored.size(), read, Collections.unmodifiableMap(bad),
                affected(needs, bad), Collections.unmodifiableMap(badManifests));
    }

    /** How far a scrub of some copies is: chunks examined (read back, or looked for) of those they need. */
    public interface Progress {
        void examined(int done, int of);
    }

    /**
     * Scrubs the copies whose names start with {@code prefix} (a backup's: "BACKUP/"): every chunk
     * they need is read back if the selection includes it, else looked for, so a missing chunk is
     * found whatever the sample. {@link Report#chunksStored} counts the chunks they need.
     */
    public Report scrubCopies(String prefix, Selection selection, Progress progress) {
        Map<String, String> badManifests = new TreeMap<>();
        List<Copy> copies = copies(prefix);
        Map<String, Set<ChunkId>> needs = needs(copies, badManifests);
        Set<ChunkId> needed = new TreeSet<>();
        needs.values().forEach(needed::addAll);
        Map<ChunkId, String> bad = new TreeMap<>();
        int read = 0;
        int examined = 0;
        for (ChunkId chunk : needed) {
            if (selection.includes(chunk)) {
                try {
                    repository.chunks().get(chunk);
                } catch (CorruptChunkException e) {
                    bad.put(chunk, e.getMessage());
                }
                read++;
            } else if (!repository.chunks().contains(chunk)) {
                bad.put(chunk, "chunk " + chunk + " is missing from " + store.describe());
            }
            progress.examined(++examined, needed.size());
        }
        return new Report(selection.describe(), copies.size(), needed.size(), read, Collections.unmodifiableMap(bad),
                affected(needs, bad), Collections.unmodifiableMap(badManifests));
    }

    /** The chunks each copy needs; a copy whose manifest cannot be trusted goes into {@code badManifests} instead. */
    private Map<String, Set<ChunkId>> needs(List<Copy> copies, Map<String, String> badManifests) {
        Map<String, Set<ChunkId>> needs = new TreeMap<>();
        for (Copy copy : copies) {
            try {
                needs.put(copy.name(), chunksOf(copy));
            } catch (CorruptManifestException e) {
                badManifests.put(copy.name(), e.getMessage());
            }
        }
        return needs;
    }

    /** Per copy, the wrong chunks it needs; copies that need none are left out. */
    private static Map<String, Set<ChunkId>> affected(Map<String, Set<ChunkId>> needs, Map<ChunkId, String> bad) {
        Map<String, Set<ChunkId>> affected = new TreeMap<>();
        needs.forEach((name, chunks) -> {
            Set<ChunkId> wrong = new TreeSet<>(chunks);
            wrong.retainAll(bad.keySet());
            if (!wrong.isEmpty()) {
                affected.put(name, Collections.unmodifiableSet(wrong));
            }
        });
        return Collections.unmodifiableMap(affected);
    }

    /** A copy's name, and whether it is an image (else a tree): the prefix it is listed under says which. */
    record Copy(String name, boolean image) {
    }

    List<Copy> copies(String namePrefix) {
        List<Copy> copies = new ArrayList<>();
        for (String prefix : List.of(VolumeCopies.IMAGES, VolumeCopies.TREES)) {
            store.list(prefix + namePrefix).forEach(object -> copies.add(new Copy(object.key().value().substring(prefix.length()),
                    prefix.equals(VolumeCopies.IMAGES))));
        }
        return copies;
    }

    Set<ChunkId> chunksOf(Copy copy) {
        Set<ChunkId> chunks = new HashSet<>();
        if (copy.image()) {
            repository.copies().findImage(copy.name()).ifPresent(image -> chunks.addAll(image.chunks().values()));
        } else {
            repository.copies().findTree(copy.name()).ifPresent(tree -> tree.entries().forEach(entry -> {
                if (entry instanceof TreeManifest.RegularFile file) {
                    chunks.addAll(file.content().chunkIds());
                }
            }));
        }
        return chunks;
    }
}
