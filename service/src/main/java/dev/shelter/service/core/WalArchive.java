package dev.shelter.service.core;

/** Where a cluster's WAL is archived, as far as a backup needs it: is a segment durably there? */
public interface WalArchive {

    boolean contains(String walFileName);

    String describe();
}
