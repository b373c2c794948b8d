package dev.shelter.service.wal;

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

    public record Incarnation(int number, Instant createdAt) {
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

    Incarnation current() {
        return incarnations.get(incarnations.size() - 1);
    }

    /** Newest first: where restore_command looks. */
    List<Incarnation> newestFirst() {
        List<Incarnation> reversed = new ArrayList<>(incarnations);
        Collections.reverse(reversed);
        return reversed;
    }
}
