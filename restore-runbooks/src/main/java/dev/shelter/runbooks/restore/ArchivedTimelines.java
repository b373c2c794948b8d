package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.wal.TimelineHistory;
import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.runbooks.wal.WalFileName;

/**
 * The timelines an archive knows, from its history files, found as PostgreSQL finds them: by
 * asking for 00000002.history, 00000003.history… until one is missing.
 */
public final class ArchivedTimelines {

    private final WalArchive archive;

    public ArchivedTimelines(WalArchive archive) {
        this.archive = archive;
    }

    /** The newest timeline whose history is archived, at least {@code atLeast}. */
    public Timeline newest(Timeline atLeast) {
        long id = Math.max(1, atLeast.id());
        while (archive.contains(historyFile(new Timeline(id + 1)))) {
            id++;
        }
        return new Timeline(id);
    }

    /** The timeline's history as archived; timeline 1 has none. A missing or unreadable one refuses the restore. */
    public TimelineHistory historyOf(Timeline timeline) {
        if (timeline.id() == 1) {
            return TimelineHistory.first();
        }
        WalFileName name = historyFile(timeline);
        byte[] content = archive.fetch(name).orElseThrow(() -> new RestoreRefusedException("timeline " + timeline
                + " has no history file (" + name + ") in " + archive.describe() + ": no restore can follow it"));
        try {
            return TimelineHistory.parse(timeline, content);
        } catch (IllegalArgumentException e) {
            throw new RestoreRefusedException("the history of timeline " + timeline + " in " + archive.describe()
                    + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static WalFileName historyFile(Timeline timeline) {
        return WalFileName.parse(timeline.hex() + ".history");
    }
}
