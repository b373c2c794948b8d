package dev.shelter.runbooks.patroni;

import java.util.Optional;

/**
 * The keys Patroni keeps for one cluster in its DCS ({@code <namespace>/<scope>/...}), read and
 * removed directly: Patroni's REST API offers no way to make it forget a cluster's history.
 */
public interface PatroniDcs {

    /** A key's value and the revision that created it (a key deleted and written again has a newer one). */
    record Entry(String value, long createRevision) {
    }

    Optional<Entry> get(String key);

    /** Removes {@code key} and every key under {@code key + "/"}; nothing if there is none. */
    void deleteTree(String key);

    /** Where, for messages. */
    String describe();
}
