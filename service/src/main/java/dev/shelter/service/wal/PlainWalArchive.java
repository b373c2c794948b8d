package dev.shelter.service.wal;

import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.runbooks.wal.WalArchiveInspection;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.runbooks.wal.WalStreamArchive;
import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * WAL files as plain objects named as PostgreSQL names them, under a prefix: what an archive_command
 * such as {@code cp %p /archive/%f} leaves. For clusters that archive with their own tools. It keeps
 * nothing beside the files, so it cannot take a segment in pieces from a receiver, and knows neither
 * its system nor incarnations nor continuity: it declares no streaming and no inspection.
 */
public final class PlainWalArchive implements WalArchive {

    private final BlobStore store;
    private final String prefix;

    public PlainWalArchive(BlobStore store, String prefix) {
        BlobKey.requireValidPrefix(prefix);
        this.store = store;
        this.prefix = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
    }

    @Override
    public Stored store(WalFileName name, byte[] content, Supplier<SystemIdentifier> systemIdentifier) {
        if (store.putIfAbsent(key(name), content)) {
            return Stored.NEW;
        }
        byte[] existing = fetch(name).orElseThrow(() -> new IllegalStateException(name + " was there a moment ago in " + describe()));
        if (Arrays.equals(existing, content)) {
            return Stored.ALREADY_PRESENT;
        }
        throw new ConflictException(name + " is already archived with other content; an archived WAL file is never overwritten");
    }

    @Override
    public Optional<byte[]> fetch(WalFileName name) {
        return store.open(key(name)).map(in -> {
            try (InputStream stream = in) {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + name + " from " + describe(), e);
            }
        });
    }

    @Override
    public boolean contains(WalFileName name) {
        return store.stat(key(name)).isPresent();
    }

    /** A {@code cp} archive_command writes the file in place: it counts once it has the segment's full size. */
    @Override
    public boolean containsSegment(WalFileName segment, long segmentBytes) {
        return store.stat(key(segment)).filter(info -> info.sizeBytes() == segmentBytes).isPresent();
    }

    @Override
    public String describe() {
        return store.describe() + (prefix.isEmpty() ? "" : " under " + prefix);
    }

    @Override
    public Optional<WalStreamArchive> streaming() {
        return Optional.empty();
    }

    @Override
    public Optional<WalArchiveInspection> inspection() {
        return Optional.empty();
    }

    private BlobKey key(WalFileName name) {
        return new BlobKey(prefix + name.value());
    }
}
