package dev.shelter.runbooks.catalog;

import dev.shelter.storage.blob.BlobInfo;
import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Documents kept twice in the object store, {@code <stem><main>} and a {@code <stem><copy>} twin
 * (pgBackRest's habit), so that one torn or lost object never loses one. The main copy is written
 * first, so a crash between the two leaves a sound main copy; a read takes the main copy if it is
 * sound, else its twin, and refuses when neither is.
 */
public final class TwinDocuments<T> {

    private static final Logger LOG = LoggerFactory.getLogger(TwinDocuments.class);

    private final BlobStore store;
    private final String main;
    private final String copy;
    private final Function<T, byte[]> encode;
    private final Function<byte[], T> decode;

    public TwinDocuments(BlobStore store, String main, String copy, Function<T, byte[]> encode, Function<byte[], T> decode) {
        this.store = store;
        this.main = main;
        this.copy = copy;
        this.encode = encode;
        this.decode = decode;
    }

    public void put(String stem, T document) {
        byte[] bytes = encode.apply(document);
        store.put(new BlobKey(stem + main), bytes);
        store.put(new BlobKey(stem + copy), bytes);
    }

    public void delete(String stem) {
        store.delete(new BlobKey(stem + main));
        store.delete(new BlobKey(stem + copy));
    }

    /** Every document under {@code prefix} of which either copy exists. */
    public List<T> readAll(String prefix) {
        Set<String> stems = new LinkedHashSet<>();
        for (BlobInfo info : store.list(prefix)) {
            String key = info.key().value();
            if (key.endsWith(copy)) {
                stems.add(key.substring(0, key.length() - copy.length()));
            } else if (key.endsWith(main)) {
                stems.add(key.substring(0, key.length() - main.length()));
            }
        }
        List<T> documents = new ArrayList<>();
        for (String stem : stems) {
            read(stem).ifPresent(documents::add);
        }
        return documents;
    }

    /** The main copy if it is sound, else its twin; empty if neither exists. */
    public Optional<T> read(String stem) {
        RuntimeException firstProblem = null;
        for (String suffix : List.of(main, copy)) {
            try {
                Optional<byte[]> bytes = readBytes(new BlobKey(stem + suffix));
                if (bytes.isPresent()) {
                    return Optional.of(decode.apply(bytes.get()));
                }
            } catch (ChecksummedJson.CorruptDocumentException e) {
                LOG.warn("{}{} is not usable ({}); trying its twin", stem, suffix, e.getMessage());
                firstProblem = firstProblem == null ? e : firstProblem;
            }
        }
        if (firstProblem != null) {
            throw firstProblem;
        }
        return Optional.empty();
    }

    private Optional<byte[]> readBytes(BlobKey key) {
        Optional<InputStream> stream = store.open(key);
        if (stream.isEmpty()) {
            return Optional.empty();
        }
        try (InputStream in = stream.get()) {
            return Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + key.value() + " from " + store.describe(), e);
        }
    }
}
