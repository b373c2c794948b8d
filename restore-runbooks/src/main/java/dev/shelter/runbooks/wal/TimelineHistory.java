package dev.shelter.runbooks.wal;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A timeline's history file ({@code 00000003.history}) read: the timelines it descends from, each
 * with the position where it was left. PostgreSQL writes one line per ancestor,
 * {@code <parent tli>\t<switchpoint>\t<reason>}, oldest first; a timeline's WAL is valid up to its
 * switchpoint, and the child's WAL starts there.
 */
public record TimelineHistory(Timeline timeline, List<Switch> ancestors) {

    /** Timeline {@code from} ended at {@code at}, where its child began. */
    public record Switch(Timeline from, Lsn at) {
    }

    public TimelineHistory {
        ancestors = List.copyOf(ancestors);
        for (int i = 0; i < ancestors.size(); i++) {
            Switch ancestor = ancestors.get(i);
            if (ancestor.from().id() >= timeline.id()) {
                throw new IllegalArgumentException("the history of timeline " + timeline + " names timeline " + ancestor.from()
                        + " as an ancestor");
            }
            if (i > 0 && (ancestor.from().id() <= ancestors.get(i - 1).from().id() || ancestor.at().compareTo(ancestors.get(i - 1).at()) < 0)) {
                throw new IllegalArgumentException("the history of timeline " + timeline + " is out of order at timeline "
                        + ancestor.from());
            }
        }
    }

    /** Timeline 1 has no history file: it has no ancestors. */
    public static TimelineHistory first() {
        return new TimelineHistory(new Timeline(1), List.of());
    }

    /** Parses the content of {@code timeline}'s history file; {@link IllegalArgumentException} says what is wrong. */
    public static TimelineHistory parse(Timeline timeline, byte[] content) {
        List<Switch> ancestors = new ArrayList<>();
        String text = new String(content, StandardCharsets.US_ASCII);
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] fields = trimmed.split("\\s+", 3);
            if (fields.length < 2) {
                throw new IllegalArgumentException("line '" + trimmed + "' of the history of timeline " + timeline
                        + " lacks a switchpoint");
            }
            try {
                ancestors.add(new Switch(new Timeline(Long.parseLong(fields[0])), Lsn.parse(fields[1])));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("line '" + trimmed + "' of the history of timeline " + timeline
                        + " does not start with a timeline id", e);
            }
        }
        return new TimelineHistory(timeline, ancestors);
    }

    /** Whether {@code other} is this timeline or one of its ancestors. */
    public boolean descendsFrom(Timeline other) {
        return other.equals(timeline) || ancestors.stream().anyMatch(s -> s.from().equals(other));
    }

    /** Where {@code ancestor} ended on the way to this timeline; empty for this timeline itself (it has not ended). */
    public Optional<Lsn> endOf(Timeline ancestor) {
        return ancestors.stream().filter(s -> s.from().equals(ancestor)).map(Switch::at).findFirst();
    }

    /** Where {@code member} of this history begins: at its parent's end, or 0 for the oldest. */
    public Lsn startOf(Timeline member) {
        Lsn start = new Lsn(0);
        for (Switch ancestor : ancestors) {
            if (ancestor.from().equals(member)) {
                return start;
            }
            start = ancestor.at();
        }
        if (member.equals(timeline)) {
            return start;
        }
        throw new IllegalArgumentException("timeline " + member + " is not in the history of timeline " + timeline);
    }

    /** The timelines from {@code ancestor} to this one, oldest first. */
    public List<Timeline> pathFrom(Timeline ancestor) {
        if (!descendsFrom(ancestor)) {
            throw new IllegalArgumentException("timeline " + ancestor + " is not in the history of timeline " + timeline);
        }
        List<Timeline> path = new ArrayList<>();
        for (Switch s : ancestors) {
            if (!path.isEmpty() || s.from().equals(ancestor)) {
                path.add(s.from());
            }
        }
        path.add(timeline);
        return path;
    }

    /** As PostgreSQL writes the file, one line per ancestor (without its reason), so that {@link #parse} reads it back. */
    public byte[] render() {
        StringBuilder text = new StringBuilder();
        for (Switch ancestor : ancestors) {
            text.append(ancestor.from().id()).append('\t').append(ancestor.at()).append("\tswitch\n");
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The history file's name: {@code 00000002.history}. */
    public WalFileName fileName() {
        return WalFileName.parse(timeline.hex() + ".history");
    }
}
