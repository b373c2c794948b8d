package dev.shelter.runbooks.cluster;

/** A member's part in replication, as the target reports it (Patroni's pod label, or a single server). */
public enum MemberRole {
    PRIMARY,
    REPLICA,
    UNKNOWN
}
