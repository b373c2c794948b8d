package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.runbooks.wal.WalArchiveInspection;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.runbooks.wal.WalStreamArchive;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** A WAL archive in memory, for the restore checks that only ask what is archived: file name to content. */
final class InMemoryWalArchive implements WalArchive {

    static final long SEGMENT_BYTES = 16L * 1024 * 1024;

    private final Map<String, byte[]> files = new HashMap<>();

    /** Segments {@code from} to {@code to}, both included, of the timeline (contents do not matter here). */
    InMemoryWalArchive withSegments(long timeline, long from, long to) {
        for (long number = from; number <= to; number++) {
            files.put(segment(timeline, number), new byte[0]);
        }
        return this;
    }

    InMemoryWalArchive without(String name) {
        files.remove(name);
        return this;
    }

    InMemoryWalArchive withFile(String name, String content) {
        files.put(WalFileName.parse(name).value(), content.getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    static String segment(long timeline, long number) {
        return WalFileName.segment(new Timeline(timeline), number, SEGMENT_BYTES).value();
    }

    @Override
    public Stored store(WalFileName name, byte[] content, Supplier<SystemIdentifier> systemIdentifier) {
        byte[] present = files.putIfAbsent(name.value(), content.clone());
        if (present == null) {
            return Stored.NEW;
        }
        if (Arrays.equals(present, content)) {
            return Stored.ALREADY_PRESENT;
        }
        throw new ConflictException(name + " is already archived with other content");
    }

    @Override
    public Optional<byte[]> fetch(WalFileName name) {
        return Optional.ofNullable(files.get(name.value())).map(byte[]::clone);
    }

    @Override
    public boolean contains(WalFileName name) {
        return files.containsKey(name.value());
    }

    @Override
    public String describe() {
        return "the in-memory archive";
    }

    @Override
    public Optional<WalStreamArchive> streaming() {
        return Optional.empty();
    }

    @Override
    public Optional<WalArchiveInspection> inspection() {
        return Optional.empty();
    }
}
