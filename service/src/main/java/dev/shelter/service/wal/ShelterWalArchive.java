package dev.shelter.service.wal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.catalog.ChecksummedJson;
import dev.shelter.runbooks.catalog.TextValueModule;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.wal.TimelineHistory;
import dev.shelter.runbooks.wal.WalArchiveInspection;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.runbooks.wal.WalPageHeader;
import dev.shelter.runbooks.wal.WalPruning;
import dev.shelter.runbooks.wal.WalStreamArchive;
import dev.shelter.storage.blob.BlobInfo;
import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * WAL in Shelter's layout (DESIGN.md section 6), under a prefix of the object store:
 * <pre>
 *   archive.json                                        which system, which incarnations (checksummed)
 *   &lt;system id&gt;/&lt;incarnation&gt;/&lt;timeline&gt;/&lt;file&gt;.zst     each file zstd-compressed with its SHA-256
 * </pre>
 * A segment's own header names its system: a segment of another system is refused, and so is one
 * whose content is not the segment its name says. Writes go to the newest incarnation; reads look
 * there first, then in older ones. The receiver keeps the segment it is streaming as pieces,
 * {@code <segment>.streaming.<offset>.zst}, each holding only what arrived since the last (so a
 * flush costs the new bytes, not the segment), dropped once the segment is complete;
 * until then a read of that segment gets its durable bytes and zeros after them, which recovery
 * takes as the end of WAL.
 */
public final class ShelterWalArchive implements WalStreamArchive, WalArchiveInspection, WalPruning {

    private static final String STATE = "archive.json";
    private static final String STREAMING = ".streaming";
    private static final String OBJECT = ".zst";
    private static final int MAX_GAPS = 100;
    // Listings match every name under a prefix: compiled once, not per name.
    /** {@code <timeline>/<segment>.zst} or {@code <timeline>/<segment>.streaming.<offset>.zst}, under an incarnation. */
    private static final Pattern SEGMENT_OR_PIECE = Pattern.compile("[0-9A-F]{8}/[0-9A-F]{24}(\\" + STREAMING + "\\.[0-9A-F]{8})?\\" + OBJECT);
    /** Any file of a segment under an incarnation (never {@code <timeline>.history.zst}). */
    private static final Pattern ANY_SEGMENT_FILE = Pattern.compile("[0-9A-F]{8}/[0-9A-F]{24}\\..+");
    /** {@code <timeline>/<segment>.zst}, under an incarnation. */
    private static final Pattern WHOLE_SEGMENT = Pattern.compile("[0-9A-F]{8}/[0-9A-F]{24}\\" + OBJECT);
    /** {@code <segment>.zst}, under a timeline. */
    private static final Pattern WHOLE_IN_TIMELINE = Pattern.compile("[0-9A-F]{24}\\" + OBJECT);
    /** {@code <segment>.streaming.<offset>.zst}, under a timeline. */
    private static final Pattern PIECE_IN_TIMELINE = Pattern.compile("[0-9A-F]{24}\\" + STREAMING + "\\.[0-9A-F]{8}\\" + OBJECT);
    /** {@code <offset>.zst}, under a segment's streaming prefix. */
    private static final Pattern PIECE_OFFSET = Pattern.compile("[0-9A-F]{8}\\" + OBJECT);

    /** How long a state read is trusted: it changes only when an incarnation begins, so the receiver's flushes need not re-read it. */
    private static final Duration STATE_TRUSTED_FOR = Duration.ofSeconds(30);

    private record KnownState(WalArchiveState state, Instant readAt) {
    }

    /** The files of one timeline directory: segments archived whole, and segments with streamed pieces. */
    private record TimelineFiles(SortedSet<String> whole, SortedSet<String> streamed) {
    }

    /** A continuity listing, and after how many changes of this process and when (System.nanoTime) it was made. */
    private record Inspected(long changes, long madeAtNanos, List<TimelineRun> runs) {
    }

    /**
     * Continuity lists the whole incarnation: status requests share one listing for this long,
     * unless this process changed the archive since. Others' writes (another replica's) show up
     * within this.
     */
    private static final Duration CONTINUITY_TRUSTED_FOR = Duration.ofSeconds(1);

    private final BlobStore store;
    private final String prefix;
    private final Clock clock;
    private final ChecksummedJson stateCodec;
    private volatile KnownState known;
    /** Whole files stored, files pruned and states written by this process: a change of continuity. */
    private final AtomicLong changes = new AtomicLong();
    private volatile Inspected inspected;

    public ShelterWalArchive(BlobStore store, String prefix, Clock clock) {
        BlobKey.requireValidPrefix(prefix);
        this.store = store;
        this.prefix = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
        this.clock = clock;
        ObjectMapper mapper = new ObjectMapper().registerModule(new JavaTimeModule())
                .registerModule(new TextValueModule("shelter-wal-values")
                        .add(SystemIdentifier.class, SystemIdentifier::toString, SystemIdentifier::parse))
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        this.stateCodec = new ChecksummedJson(mapper, "shelter-wal-archive", 1, "archive");
    }

    @Override
    public Stored store(WalFileName name, byte[] content, Supplier<SystemIdentifier> systemIdentifier) {
        WalPageHeader header = name.namesSegmentContent() ? WalPageHeader.parse(content) : null;
        SystemIdentifier contentSystem = header != null ? header.systemIdentifier() : null;
        WalArchiveState state = readState().orElseGet(() -> begin(contentSystem != null ? contentSystem : systemIdentifier.get(),
                header != null ? header.segmentBytes() : 0));
        if (header != null && state.segmentBytes() == 0 && contentSystem.equals(state.systemIdentifier())) {
            state = state.withSegmentBytes(header.segmentBytes());
            writeState(state);
        }
        if (contentSystem != null && !contentSystem.equals(state.systemIdentifier())) {
            throw new ConflictException(name + " is WAL of system " + contentSystem + ", but this archive (" + describe()
                    + ") belongs to system " + state.systemIdentifier() + "; a re-initialized cluster needs an archive of its own");
        }
        BlobKey key = key(state, state.current(), name);
        WalObjectCodec.Digest incoming = WalObjectCodec.digestOf(content);
        // Create first, compare only when the name is taken: the usual file is new, and asking first
        // would cost every file a request to save a retried one its compression.
        if (store.putIfAbsent(key, WalObjectCodec.encode(content, incoming))) {
            changes.incrementAndGet();
            return Stored.NEW;
        }
        WalObjectCodec.Digest kept = digestAt(key).orElseThrow(() -> new IllegalStateException(key.value() + " vanished from " + describe()));
        if (kept.equals(incoming)) {
            return Stored.ALREADY_PRESENT;
        }
        throw new ConflictException(name + " is already archived with other content (sha256 " + kept.sha256()
                + ", " + kept.length() + " bytes); an archived WAL file is never overwritten");
    }

    @Override
    public Optional<byte[]> fetch(WalFileName name) {
        Optional<WalArchiveState> state = readState();
        if (state.isEmpty()) {
            return Optional.empty();
        }
        for (WalArchiveState.Incarnation incarnation : state.get().newestFirst()) {
            Optional<byte[]> found = read(key(state.get(), incarnation, name));
            if (found.isPresent()) {
                return found;
            }
        }
        if (name.kind() == WalFileName.Kind.SEGMENT) {
            byte[] soFar = streamedSoFar(state.get(), name);
            return soFar.length == 0 ? Optional.empty() : Optional.of(padToSegment(soFar));
        }
        return Optional.empty();
    }

    @Override
    public void storeStreaming(SystemIdentifier systemIdentifier, WalFileName segment, long segmentBytes, byte[] soFar, int from,
                               int to) {
        WalArchiveState state = readState().orElseGet(() -> begin(systemIdentifier, segmentBytes));
        store.put(new BlobKey(streamingPrefix(state, segment) + "%08X".formatted(from) + OBJECT),
                WalObjectCodec.encode(Arrays.copyOfRange(soFar, from, to)));
    }

    @Override
    public void dropStreaming(WalFileName segment) {
        // A segment streamed at a trickle has hundreds of pieces: one request (where the store can) drops them all.
        readState().ifPresent(state -> store.deleteAll(store.list(streamingPrefix(state, segment)).stream().map(BlobInfo::key).toList()));
    }

    @Override
    public int completeStreamedSegments(Timeline timeline, long segmentBytes) {
        Optional<WalArchiveState> state = readState();
        if (state.isEmpty()) {
            return 0;
        }
        TimelineFiles files = listTimeline(state.get(), timeline);
        int completed = 0;
        for (String segment : files.streamed()) {
            WalFileName name = WalFileName.parse(segment);
            if (files.whole().contains(segment)) {
                dropStreaming(name); // archived whole; only the cleanup was missed
                continue;
            }
            byte[] soFar = streamedSoFar(state.get(), name);
            if (soFar.length == segmentBytes) {
                store(name, soFar, state.get()::systemIdentifier);
                dropStreaming(name);
                completed++;
            }
        }
        return completed;
    }

    @Override
    public Optional<ResumePoint> resumePoint(Timeline timeline, long segmentBytes, Optional<Lsn> confirmed) {
        Optional<WalArchiveState> state = readState();
        if (state.isEmpty()) {
            return Optional.empty();
        }
        TimelineFiles files = listTimeline(state.get(), timeline);
        SortedSet<String> present = new TreeSet<>(files.whole());
        present.addAll(files.streamed());
        if (present.isEmpty()) {
            return Optional.empty();
        }
        // No position to start from (a slot just made), or one past everything here: from the last file.
        String from = confirmed.map(lsn -> WalFileName.containing(timeline, lsn, segmentBytes).toString())
                .filter(name -> name.compareTo(present.last()) <= 0)
                .map(name -> name.compareTo(present.first()) < 0 ? present.first() : name)
                .orElse(present.last());
        WalFileName missing = WalFileName.parse(from);
        while (files.whole().contains(missing.toString())) {
            missing = missing.nextSegment(segmentBytes);
        }
        byte[] soFar = files.streamed().contains(missing.toString()) ? streamedSoFar(state.get(), missing) : new byte[0];
        return Optional.of(new ResumePoint(new Lsn(missing.segmentStart(segmentBytes).value() + soFar.length), soFar));
    }

    /** The newest timeline the current incarnation holds WAL of (whole segments or pieces), if any. */
    @Override
    public Optional<Timeline> newestTimeline() {
        Optional<WalArchiveState> state = readState();
        if (state.isEmpty()) {
            return Optional.empty();
        }
        String incarnation = incarnationDirectory(state.get(), state.get().current());
        Timeline newest = null;
        for (BlobInfo info : store.list(incarnation)) {
            String rest = info.key().value().substring(incarnation.length());
            if (SEGMENT_OR_PIECE.matcher(rest).matches()) {
                Timeline timeline = new Timeline(Long.parseLong(rest.substring(0, 8), 16));
                if (newest == null || timeline.id() > newest.id()) {
                    newest = timeline;
                }
            }
        }
        return Optional.ofNullable(newest);
    }

    /**
     * Closes a timeline the cluster has left: segments complete as pieces are archived whole, and
     * the durable part of the one the timeline ended in is archived as {@code <segment>.partial},
     * padded with zeros as PostgreSQL pads its own (recovery reads that segment from the next
     * timeline, whose copy starts with the same bytes). Returns how many files it archived.
     */
    @Override
    public int finishTimeline(Timeline timeline, long segmentBytes) {
        int archived = completeStreamedSegments(timeline, segmentBytes);
        Optional<WalArchiveState> state = readState();
        if (state.isEmpty()) {
            return archived;
        }
        for (String segment : listTimeline(state.get(), timeline).streamed()) {
            WalFileName name = WalFileName.parse(segment);
            byte[] soFar = streamedSoFar(state.get(), name);
            if (soFar.length > 0) {
                store(WalFileName.parse(segment + ".partial"), padToSegment(soFar), state.get()::systemIdentifier);
                archived++;
            }
            dropStreaming(name);
        }
        return archived;
    }

    /**
     * Starts a new incarnation: from now on WAL is written under a new prefix, and the older ones
     * are only read. A restore that promotes calls this before its cluster starts, so the new
     * history never meets the old one's names (DESIGN.md section 3, rule 7). Returns its number.
     */
    @Override
    public int beginIncarnation() {
        Optional<WalArchiveState> state = readStateFromStore();
        if (state.isEmpty()) {
            throw new IllegalStateException("the archive at " + describe() + " is empty: there is no incarnation to follow");
        }
        WalArchiveState next = state.get().withNewIncarnation(clock.instant());
        writeState(next);
        return next.current().number();
    }

    /**
     * Marks an incarnation abandoned (kept, never read again): the WAL a restore wrote before its
     * originals were swapped back must not lead a later restore onto its timeline. If it was the
     * current one, writes go to a new incarnation from now on.
     */
    @Override
    public void abandonIncarnation(int number, String reason) {
        Optional<WalArchiveState> state = readStateFromStore();
        if (state.isEmpty() || state.get().incarnations().stream().noneMatch(i -> i.number() == number && !i.isAbandoned())) {
            return;
        }
        writeState(state.get().withAbandoned(number, reason, clock.instant()));
    }

    @Override
    /** In any incarnation, as {@link #fetch} reads: a restore replays the old incarnations' WAL too. */
    public boolean contains(WalFileName name) {
        return readState().map(state -> state.newestFirst().stream()
                .anyMatch(incarnation -> store.stat(key(state, incarnation, name)).isPresent())).orElse(false);
    }

    @Override
    public String describe() {
        return store.describe() + (prefix.isEmpty() ? "" : " under " + prefix) + " (Shelter layout)";
    }

    @Override
    public Optional<WalArchiveInspection> inspection() {
        return Optional.of(this);
    }

    @Override
    public Optional<Incarnation> currentIncarnation() {
        return readState().map(state -> new Incarnation(state.systemIdentifier(), state.current().number(),
                state.current().createdAt()));
    }

    /** The archive's state document, or empty before the first file arrives. */
    Optional<WalArchiveState> readState() {
        KnownState last = known;
        if (last != null && clock.instant().isBefore(last.readAt().plus(STATE_TRUSTED_FOR))) {
            return Optional.of(last.state());
        }
        return readStateFromStore();
    }

    private Optional<WalArchiveState> readStateFromStore() {
        Optional<WalArchiveState> state = store.open(new BlobKey(prefix + STATE)).map(in -> {
            try (in) {
                return stateCodec.decode(in.readAllBytes(), WalArchiveState.class);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + prefix + STATE, e);
            }
        });
        state.ifPresent(s -> known = new KnownState(s, clock.instant()));
        return state;
    }

    @Override
    public Optional<WalPruning> pruning() {
        return Optional.of(this);
    }

    @Override
    public Pruned pruneBefore(SystemIdentifier system, Lsn keepFrom, boolean dryRun) {
        Optional<WalArchiveState> state = readState();
        if (state.isEmpty() || state.get().segmentBytes() == 0 || !state.get().systemIdentifier().equals(system)) {
            return Pruned.NOTHING;
        }
        long size = state.get().segmentBytes();
        long firstKept = keepFrom.value() / size;
        record Doomed(long segment, BlobInfo info) {
        }
        List<Doomed> doomed = new ArrayList<>();
        for (WalArchiveState.Incarnation incarnation : state.get().incarnations()) {
            String directory = incarnationDirectory(state.get(), incarnation);
            for (BlobInfo info : store.list(directory)) {
                String rest = info.key().value().substring(directory.length());
                // <timeline>/<segment>.zst, .partial.zst, .streaming.<offset>.zst, .<offset>.backup.zst; never <timeline>.history.zst
                if (ANY_SEGMENT_FILE.matcher(rest).matches()) {
                    long segment = WalFileName.parse(rest.substring(9, 33)).segmentNumber(size);
                    if (segment < firstKept) {
                        doomed.add(new Doomed(segment, info));
                    }
                }
            }
        }
        doomed.sort(java.util.Comparator.comparingLong(Doomed::segment).thenComparing(d -> d.info().key().value()));
        long bytes = 0;
        for (Doomed file : doomed) {
            if (!dryRun) {
                store.delete(file.info().key());
                changes.incrementAndGet();
            }
            bytes += file.info().sizeBytes();
        }
        return doomed.isEmpty() ? Pruned.NOTHING : new Pruned(doomed.size(), bytes,
                Optional.of(doomed.get(0).info().key().value()), Optional.of(doomed.get(doomed.size() - 1).info().key().value()));
    }

    /**
     * Per timeline of the current incarnation: its first and last whole segment and the segments
     * missing (at most {@value #MAX_GAPS} named per timeline). Across a timeline switch, which the
     * newest timeline's archived history tells, the parent must hold every segment before the one
     * the switch is in and the child every one from it; a missing history file is a gap too.
     * Empty before the first segment.
     */
    @Override
    public List<TimelineRun> continuity() {
        long changesBefore = changes.get();
        Inspected last = inspected;
        if (last != null && last.changes() == changesBefore
                && System.nanoTime() - last.madeAtNanos() < CONTINUITY_TRUSTED_FOR.toNanos()) {
            return last.runs();
        }
        long madeAt = System.nanoTime();
        List<TimelineRun> runs = listContinuity();
        inspected = new Inspected(changesBefore, madeAt, runs);
        return runs;
    }

    private List<TimelineRun> listContinuity() {
        Optional<WalArchiveState> state = readState();
        if (state.isEmpty() || state.get().segmentBytes() == 0) {
            return List.of();
        }
        long size = state.get().segmentBytes();
        String incarnation = incarnationDirectory(state.get(), state.get().current());
        SortedMap<Long, TreeSet<Long>> byTimeline = new TreeMap<>();
        for (BlobInfo info : store.list(incarnation)) {
            String rest = info.key().value().substring(incarnation.length());
            if (WHOLE_SEGMENT.matcher(rest).matches()) {
                WalFileName name = WalFileName.parse(rest.substring(9, 33));
                byTimeline.computeIfAbsent(name.timeline().id(), t -> new TreeSet<>()).add(name.segmentNumber(size));
            }
        }
        if (byTimeline.isEmpty()) {
            return List.of();
        }
        SortedMap<Long, List<WalFileName>> gaps = new TreeMap<>();
        byTimeline.forEach((id, numbers) -> addMissing(gaps, new Timeline(id), numbers, numbers.first(), numbers.last(), size));
        Timeline newest = new Timeline(byTimeline.lastKey());
        if (newest.id() > byTimeline.firstKey()) {
            checkSwitches(newest, byTimeline, gaps, size);
        }
        List<TimelineRun> runs = new ArrayList<>();
        gaps.forEach((id, missing) -> {
            Timeline timeline = new Timeline(id);
            TreeSet<Long> numbers = byTimeline.getOrDefault(id, new TreeSet<>());
            runs.add(new TimelineRun(timeline, numbers.isEmpty() ? null : WalFileName.segment(timeline, numbers.first(), size),
                    numbers.isEmpty() ? null : WalFileName.segment(timeline, numbers.last(), size), numbers.size(),
                    missing.size() > MAX_GAPS ? missing.subList(0, MAX_GAPS) : missing));
        });
        return runs;
    }

    /** The switches between the archived timelines, as the newest one's history tells them. */
    private void checkSwitches(Timeline newest, SortedMap<Long, TreeSet<Long>> byTimeline, SortedMap<Long, List<WalFileName>> gaps,
                               long size) {
        WalFileName historyName = WalFileName.parse(newest.hex() + ".history");
        Optional<byte[]> content = fetch(historyName);
        if (content.isEmpty()) {
            gaps.get(newest.id()).add(0, historyName);
            return;
        }
        TimelineHistory history = TimelineHistory.parse(newest, content.get());
        Optional<Long> oldestAncestor = byTimeline.keySet().stream().filter(id -> history.descendsFrom(new Timeline(id))).findFirst();
        if (oldestAncestor.isEmpty()) {
            return;
        }
        List<Timeline> path = history.pathFrom(new Timeline(oldestAncestor.get()));
        for (int i = 0; i + 1 < path.size(); i++) {
            Timeline parent = path.get(i);
            Timeline child = path.get(i + 1);
            long switchSegment = history.endOf(parent).orElseThrow().value() / size;
            TreeSet<Long> held = byTimeline.getOrDefault(parent.id(), new TreeSet<>());
            long from = held.isEmpty() ? history.startOf(parent).value() / size : held.last() + 1;
            addMissing(gaps, parent, held, from, switchSegment - 1, size);
            TreeSet<Long> childHeld = byTimeline.getOrDefault(child.id(), new TreeSet<>());
            if (!childHeld.isEmpty()) {
                addMissing(gaps, child, childHeld, switchSegment, childHeld.first() - 1, size);
            }
        }
    }

    private static void addMissing(SortedMap<Long, List<WalFileName>> gaps, Timeline timeline, SortedSet<Long> held, long from,
                                   long to, long size) {
        List<WalFileName> missing = gaps.computeIfAbsent(timeline.id(), t -> new ArrayList<>());
        for (long n = from; n <= to && missing.size() <= MAX_GAPS; n++) {
            if (!held.contains(n)) {
                missing.add(WalFileName.segment(timeline, n, size));
            }
        }
    }

    /** The archive's first state; of two first writers racing, both go on with the one that was stored. */
    private WalArchiveState begin(SystemIdentifier systemIdentifier, long segmentBytes) {
        WalArchiveState state = WalArchiveState.begin(systemIdentifier, segmentBytes, clock.instant());
        try {
            if (!store.putIfAbsent(new BlobKey(prefix + STATE), stateCodec.encode(state))) {
                return readStateFromStore().orElseThrow(() -> new IllegalStateException(prefix + STATE + " vanished from " + describe()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + prefix + STATE, e);
        }
        known = new KnownState(state, clock.instant());
        return state;
    }

    private void writeState(WalArchiveState state) {
        try {
            store.put(new BlobKey(prefix + STATE), stateCodec.encode(state));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + prefix + STATE, e);
        }
        known = new KnownState(state, clock.instant());
        changes.incrementAndGet();
    }

    private Optional<byte[]> read(BlobKey key) {
        return store.open(key).map(in -> {
            try (in) {
                return WalObjectCodec.decode(in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + key.value() + " from " + describe(), e);
            }
        });
    }

    /** A streamed segment's durable bytes, then zeros to the segment's size: recovery stops where the zeros begin. */
    private static byte[] padToSegment(byte[] durable) {
        if (durable.length < WalPageHeader.LENGTH) {
            return durable;
        }
        long size = WalPageHeader.parse(durable).segmentBytes();
        return size > durable.length && size <= Integer.MAX_VALUE ? Arrays.copyOf(durable, (int) size) : durable;
    }

    private String streamingPrefix(WalArchiveState state, WalFileName segment) {
        return timelineDirectory(state, state.current(), segment.timeline()) + segment.value() + STREAMING + ".";
    }

    private String incarnationDirectory(WalArchiveState state, WalArchiveState.Incarnation incarnation) {
        return prefix + state.systemIdentifier() + "/" + "%04d".formatted(incarnation.number()) + "/";
    }

    private String timelineDirectory(WalArchiveState state, WalArchiveState.Incarnation incarnation, Timeline timeline) {
        return incarnationDirectory(state, incarnation) + timeline.hex() + "/";
    }

    private TimelineFiles listTimeline(WalArchiveState state, Timeline timeline) {
        String directory = timelineDirectory(state, state.current(), timeline);
        TimelineFiles files = new TimelineFiles(new TreeSet<>(), new TreeSet<>());
        for (BlobInfo info : store.list(directory)) {
            String file = info.key().value().substring(directory.length());
            if (WHOLE_IN_TIMELINE.matcher(file).matches()) {
                files.whole().add(file.substring(0, 24));
            } else if (PIECE_IN_TIMELINE.matcher(file).matches()) {
                files.streamed().add(file.substring(0, 24));
            }
        }
        return files;
    }

    /**
     * The streamed pieces of a segment joined in offset order, as far as they run without a hole: a
     * piece whose write was cut short by a crash, and anything after it, is not durable.
     */
    private byte[] streamedSoFar(WalArchiveState state, WalFileName segment) {
        String piecePrefix = streamingPrefix(state, segment);
        TreeMap<Integer, BlobKey> pieces = new TreeMap<>();
        for (BlobInfo piece : store.list(piecePrefix)) {
            String offset = piece.key().value().substring(piecePrefix.length());
            if (PIECE_OFFSET.matcher(offset).matches()) {
                pieces.put(Integer.parseInt(offset.substring(0, 8), 16), piece.key());
            }
        }
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (Map.Entry<Integer, BlobKey> piece : pieces.entrySet()) {
            if (piece.getKey() != joined.size()) {
                break;
            }
            Optional<byte[]> bytes = read(piece.getValue());
            if (bytes.isEmpty()) {
                break;
            }
            joined.writeBytes(bytes.get());
        }
        return joined.toByteArray();
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
        return new BlobKey(timelineDirectory(state, incarnation, name.timeline()) + name.value() + OBJECT);
    }
}
