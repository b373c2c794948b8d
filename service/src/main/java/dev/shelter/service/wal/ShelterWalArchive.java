package dev.shelter.service.wal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.runbooks.wal.WalPageHeader;
import dev.shelter.service.catalog.ChecksummedJson;
import dev.shelter.service.core.ConflictException;
import dev.shelter.service.core.WalArchive;
import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * WAL in Shelter's layout (DESIGN.md section 6), under a prefix of the object store:
 * <pre>
 *   archive.json                                        which system, which incarnations (checksummed)
 *   &lt;system id&gt;/&lt;incarnation&gt;/&lt;timeline&gt;/&lt;file&gt;.zst     each file zstd-compressed with its SHA-256
 * </pre>
 * A segment's own header names its system: a segment of another system is refused, and so is one
 * whose content is not the segment its name says. Writes go to the newest incarnation; reads look
 * there first, then in older ones.
 */
public final class ShelterWalArchive implements WalArchive {

    private static final String STATE = "archive.json";

    private final BlobStore store;
    private final String prefix;
    private final Clock clock;
    private final ChecksummedJson stateCodec;

    public ShelterWalArchive(BlobStore store, String prefix, Clock clock) {
        BlobKey.requireValidPrefix(prefix);
        this.store = store;
        this.prefix = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
        this.clock = clock;
        ObjectMapper mapper = new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        this.stateCodec = new ChecksummedJson(mapper, "shelter-wal-archive", 1, "archive");
    }

    @Override
    public Stored store(WalFileName name, byte[] content, Supplier<String> systemIdentifier) {
        String contentSystem = name.namesSegmentContent() ? WalPageHeader.parse(content).systemIdentifier() : null;
        WalArchiveState state = readState().orElseGet(() -> begin(contentSystem != null ? contentSystem : systemIdentifier.get()));
        if (contentSystem != null && !contentSystem.equals(state.systemIdentifier())) {
            throw new ConflictException(name + " is WAL of system " + contentSystem + ", but this archive (" + describe()
                    + ") belongs to system " + state.systemIdentifier() + "; a re-initialized cluster needs an archive of its own");
        }
        BlobKey key = key(state, state.current(), name);
        WalObjectCodec.Digest incoming = WalObjectCodec.digestOf(content);
        Optional<WalObjectCodec.Digest> existing = digestAt(key);
        if (existing.isPresent()) {
            if (existing.get().equals(incoming)) {
                return Stored.ALREADY_PRESENT;
            }
            throw new ConflictException(name + " is already archived with other content (sha256 " + existing.get().sha256()
                    + ", " + existing.get().length() + " bytes); an archived WAL file is never overwritten");
        }
        store.put(key, WalObjectCodec.encode(content));
        return Stored.NEW;
    }

    @Override
    public Optional<byte[]> fetch(WalFileName name) {
        Optional<WalArchiveState> state = readState();
        if (state.isEmpty()) {
            return Optional.empty();
        }
        for (WalArchiveState.Incarnation incarnation : state.get().newestFirst()) {
            Optional<InputStream> object = store.open(key(state.get(), incarnation, name));
            if (object.isPresent()) {
                try (InputStream in = object.get()) {
                    return Optional.of(WalObjectCodec.decode(in.readAllBytes()));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + name + " from " + describe(), e);
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean contains(WalFileName name) {
        return readState().map(state -> store.stat(key(state, state.current(), name)).isPresent()).orElse(false);
    }

    @Override
    public String describe() {
        return store.describe() + (prefix.isEmpty() ? "" : " under " + prefix) + " (Shelter layout)";
    }

    /** The archive's state document, or empty before the first file arrives. */
    public Optional<WalArchiveState> readState() {
        return store.open(new BlobKey(prefix + STATE)).map(in -> {
            try (in) {
                return stateCodec.decode(in.readAllBytes(), WalArchiveState.class);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + prefix + STATE, e);
            }
        });
    }

    private WalArchiveState begin(String systemIdentifier) {
        WalArchiveState state = WalArchiveState.begin(systemIdentifier, clock.instant());
        try {
            store.put(new BlobKey(prefix + STATE), stateCodec.encode(state));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + prefix + STATE, e);
        }
        return state;
    }

    private Optional<WalObjectCodec.Digest> digestAt(BlobKey key) {
        return store.open(key).map(in -> {
            try (in) {
                return WalObjectCodec.readDigest(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + key.value(), e);
            }
        });
    }

    private BlobKey key(WalArchiveState state, WalArchiveState.Incarnation incarnation, WalFileName name) {
        return new BlobKey(prefix + state.systemIdentifier() + "/" + "%04d".formatted(incarnation.number()) + "/"
                + name.timeline().hex() + "/" + name.value() + ".zst");
    }
}
