package dev.shelter.service.wal;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.shelter.runbooks.backup.SystemIdentifier;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * What an archive in Shelter's layout is: the system it belongs to, and its incarnations, the newest
 * being the one written to. A restore that promotes starts a new incarnation, so the WAL of the new
 * history never lands on the names of the old one (DESIGN.md section 3, rule 7).
 */
public record WalArchiveState(SystemIdentifier systemIdentifier, long segmentBytes, List<Incarnation> incarnations) {

    /**
     * {@code abandoned} says why an incarnation is no longer read (null while it is): the WAL of a
     * restore that was swapped back, kept for a post-mortem, never replayed.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Incarnation(int number, Instant createdAt, String abandoned) {

        Incarnation(int number, Instant createdAt) {
            this(number, createdAt, null);
        }

        boolean isAbandoned() {
            return abandoned != null;
        }
    }

    public WalArchiveState {
        Objects.requireNonNull(systemIdentifier, "systemIdentifier");
        incarnations = List.copyOf(incarnations);
        if (incarnations.isEmpty()) {
            throw new IllegalArgumentException("an archive has at least one incarnation");
        }
    }

    /** {@code segmentBytes} is 0 until a segment has told it. */
    static WalArchiveState begin(SystemIdentifier systemIdentifier, long segmentBytes, Instant at) {
        return new WalArchiveState(systemIdentifier, segmentBytes, List.of(new Incarnation(1, at)));
    }

    WalArchiveState withSegmentBytes(long bytes) {
        return new WalArchiveState(systemIdentifier, bytes, incarnations);
    }

    WalArchiveState withNewIncarnation(Instant at) {
        List<Incarnation> more = new ArrayList<>(incarnations);
        more.add(new Incarnation(current().number() + 1, at));
        return new WalArchiveState(systemIdentifier, segmentBytes, more);
    }

    /** Incarnation {@code number} marked abandoned; if it was the current one, a new one follows it for writes. */
    WalArchiveState withAbandoned(int number, String reason, Instant at) {
        List<Incarnation> marked = new ArrayList<>();
        for (Incarnation incarnation : incarnations) {
            marked.add(incarnation.number() == number && !incarnation.isAbandoned()
                    ? new Incarnation(number, incarnation.createdAt(), reason) : incarnation);
        }
        WalArchiveState next = new WalArchiveState(systemIdentifier, segmentBytes, marked);
        return next.current().isAbandoned() ? next.withNewIncarnation(at) : next;
    }

    Incarnation current() {
        return incarnations.get(incarnations.size() - 1);
    }

    /** Newest first, without the abandoned ones: where restore_command looks. */
    List<Incarnation> newestFirst() {
        List<Incarnation> reversed = new ArrayList<>(incarnations.stream().filter(i -> !i.isAbandoned()).toList());
        Collections.reverse(reversed);
        return reversed;
    }
}
