package dev.shelter.storage.offsite;

/** A stored image manifest that must not be trusted: damaged, altered, or written under another key. */
public final class CorruptManifestException extends RuntimeException {

    CorruptManifestException(String message) {
        super(message);
    }
}
