package dev.shelter.storage.offsite;

import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.BlobStoreException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Snapshot images in object storage, under {@code offsite/} of a {@link BlobStore}. The descriptor
 * {@code offsite/repository} says, once and for all, whether chunks are encrypted and, if so, holds
 * the data keys wrapped by the master key. It is made by the first Shelter to open the repository
 * (of two racing replicas, one makes it and both use it), and a later open must agree with it: a
 * repository never turns from plain to encrypted or back, since its chunk names would change.
 */
public final class OffsiteRepository {

    static final String PREFIX = "offsite/";
    static final BlobKey DESCRIPTOR = BlobKey.of(PREFIX + "repository");
    private static final String FORMAT = "shelter-offsite-repository";
    private static final int VERSION = 1;

    private final BlobStore store;
    private final ChunkSealing sealing;
    private final ChunkStore chunks;
    private final VolumeCopies copies;

    private OffsiteRepository(BlobStore store, ChunkSealing sealing) {
        this.store = store;
        this.sealing = sealing;
        this.chunks = new ChunkStore(store, sealing);
        this.copies = new VolumeCopies(store, sealing);
    }

    /**
     * Opens the repository in {@code store}, making it on first use: encrypted when a master key
     * is given, plain otherwise. {@link DataKeys.WrongKeyException} when the key does not fit what
     * is there (none for an encrypted repository, one for a plain one, or another key).
     */
    public static OffsiteRepository open(BlobStore store, Optional<MasterKey> masterKey) {
        Optional<Map<String, String>> found = readDescriptor(store);
        if (found.isEmpty()) {
            store.putIfAbsent(DESCRIPTOR, newDescriptor(masterKey));
            found = readDescriptor(store); // ours, or the one a replica made first
        }
        Map<String, String> descriptor = found.orElseThrow(() -> new BlobStoreException("the off-site repository's descriptor "
                + DESCRIPTOR + " vanished from " + store.describe() + " right after it was written"));
        return new OffsiteRepository(store, sealing(descriptor, masterKey, store));
    }

    /**
     * Rewraps the data keys under {@code next}: one small object is replaced, and every chunk stays
     * as it is. Only {@code current} opens the repository before, only {@code next} after.
     */
    public static void rotateMasterKey(BlobStore store, MasterKey current, MasterKey next) {
        Map<String, String> descriptor = readDescriptor(store).orElseThrow(() -> new IllegalStateException(
                "there is no off-site repository in " + store.describe() + " to rotate the master key of"));
        if (!"aes-256-gcm".equals(descriptor.get("sealing"))) {
            throw new IllegalStateException("the off-site repository in " + store.describe() + " is not encrypted: it has no key");
        }
        DataKeys keys = DataKeys.unwrap(wrappedKeys(descriptor), current);
        descriptor.put("master-key", next.id());
        descriptor.put("wrapped-data-keys", Base64.getEncoder().encodeToString(keys.wrap(next, new SecureRandom())));
        store.put(DESCRIPTOR, render(descriptor));
    }

    public ChunkStore chunks() {
        return chunks;
    }

    public VolumeCopies copies() {
        return copies;
    }

    /** The garbage collection of this repository's copies and chunks. */
    public GarbageCollection garbageCollection() {
        return new GarbageCollection(store, this);
    }

    /** A scrub of this repository's copies and chunks. */
    public RepositoryScrub scrub() {
        return new RepositoryScrub(store, this);
    }

    public boolean isEncrypted() {
        return sealing instanceof EncryptedSealing;
    }

    public String describe() {
        return "off-site repository in " + store.describe() + " (" + sealing.describe() + ")";
    }

    private static ChunkSealing sealing(Map<String, String> descriptor, Optional<MasterKey> masterKey, BlobStore store) {
        String kind = descriptor.get("sealing");
        if ("plain".equals(kind)) {
            if (masterKey.isPresent()) {
                throw new DataKeys.WrongKeyException("the off-site repository in " + store.describe() + " was made without "
                        + "encryption, and a master key is configured: remove the key, or use another bucket or prefix");
            }
            return new PlainSealing();
        }
        if ("aes-256-gcm".equals(kind)) {
            MasterKey key = masterKey.orElseThrow(() -> new DataKeys.WrongKeyException("the off-site repository in "
                    + store.describe() + " is encrypted: configure its master key (" + descriptor.get("master-key") + ")"));
            if (!key.id().equals(descriptor.get("master-key"))) {
                throw new DataKeys.WrongKeyException("the off-site repository in " + store.describe() + " is encrypted under "
                        + "master key " + descriptor.get("master-key") + ", not " + key.id());
            }
            return new EncryptedSealing(DataKeys.unwrap(wrappedKeys(descriptor), key));
        }
        throw new BlobStoreException("the off-site repository's descriptor in " + store.describe() + " names an unknown sealing '"
                + kind + "'");
    }

    private static byte[] wrappedKeys(Map<String, String> descriptor) {
        try {
            return Base64.getDecoder().decode(descriptor.getOrDefault("wrapped-data-keys", ""));
        } catch (IllegalArgumentException e) {
            throw new DataKeys.WrongKeyException("the repository's wrapped data keys are damaged: " + e.getMessage());
        }
    }

    private static byte[] newDescriptor(Optional<MasterKey> masterKey) {
        Map<String, String> descriptor = new LinkedHashMap<>();
        descriptor.put("chunk-bytes", Integer.toString(ChunkFrame.CHUNK_BYTES));
        if (masterKey.isEmpty()) {
            descriptor.put("sealing", "plain");
        } else {
            SecureRandom random = new SecureRandom();
            descriptor.put("sealing", "aes-256-gcm");
            descriptor.put("master-key", masterKey.get().id());
            descriptor.put("wrapped-data-keys", Base64.getEncoder().encodeToString(DataKeys.generate(random).wrap(masterKey.get(), random)));
        }
        return render(descriptor);
    }

    /** {@code key value} lines after a format line, then the SHA-256 of everything before it. */
    private static byte[] render(Map<String, String> descriptor) {
        StringBuilder text = new StringBuilder(FORMAT).append(' ').append(VERSION).append('\n');
        descriptor.forEach((key, value) -> text.append(key).append(' ').append(value).append('\n'));
        return (text + "sha256 " + sha256(text.toString()) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static Optional<Map<String, String>> readDescriptor(BlobStore store) {
        Optional<InputStream> object = store.open(DESCRIPTOR);
        if (object.isEmpty()) {
            return Optional.empty();
        }
        String text;
        try (InputStream in = object.get()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BlobStoreException("cannot read " + DESCRIPTOR + " from " + store.describe() + ": " + e.getMessage(), e);
        }
        int checksumAt = text.lastIndexOf("sha256 ");
        if (!text.startsWith(FORMAT + " ") || checksumAt < 0
                || !text.substring(checksumAt).strip().equals("sha256 " + sha256(text.substring(0, checksumAt)))) {
            throw new BlobStoreException("the off-site repository's descriptor " + DESCRIPTOR + " in " + store.describe()
                    + " is damaged (not a descriptor, or its checksum fails)");
        }
        String[] lines = text.substring(0, checksumAt).split("\n");
        if (!lines[0].equals(FORMAT + " " + VERSION)) {
            throw new BlobStoreException("the off-site repository in " + store.describe() + " has format '" + lines[0]
                    + "'; this Shelter reads version " + VERSION);
        }
        Map<String, String> descriptor = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int space = lines[i].indexOf(' ');
            descriptor.put(lines[i].substring(0, space), lines[i].substring(space + 1));
        }
        return Optional.of(descriptor);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
