package dev.shelter.service.core;

import dev.shelter.runbooks.engine.RunJournal;
import dev.shelter.runbooks.engine.RunState;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Why the last export or scrub of a backup's copy ended without success, as this replica saw it
 * end, until a later one succeeds: shown with the backup, so that a copy that stays "not-exported"
 * says why. In memory only; the run's journal keeps the failure for good.
 */
public final class OffsiteFailures {

    private final Map<String, String> byBackup = new ConcurrentHashMap<>();

    /** Records how the export or scrub run of backup {@code id} ended. */
    void ended(String id, RunJournal ended) {
        if (ended.state() == RunState.SUCCEEDED) {
            byBackup.remove(id);
        } else {
            byBackup.put(id, ended.plan() + " " + ended.id() + " ended " + ended.state().name().toLowerCase(Locale.ROOT).replace('_', '-')
                    + (ended.failure() == null ? "" : ": " + ended.failure()));
        }
    }

    /** The failure of the backup's last export or scrub, if it failed. */
    public Optional<String> of(String id) {
        return Optional.ofNullable(byBackup.get(id));
    }
}
