package dev.shelter.runbooks.postgres;

/**
 * What a PostgreSQL server says about itself. {@code walLsn} is the current insert position on a
 * primary and the last replayed position on a standby.
 */
public record ServerFacts(String serverVersion, int majorVersion, boolean inRecovery, String systemIdentifier,
                          int timeline, String walLsn) {
}
