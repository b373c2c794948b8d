package dev.shelter.runbooks.cluster;

/** A member's part in an HA cluster, as far as runbooks care: the one that takes writes, the ones that follow, anything else. */
public enum HaRole { LEADER, REPLICA, OTHER }
