package dev.shelter.runbooks.cluster;

/** What a volume holds. A backup set is every volume of the primary, snapshotted together. */
public enum VolumeRole {
    PGDATA,
    PGWAL,
    TABLESPACE
}
