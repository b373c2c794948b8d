package dev.shelter.service.core;

import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.storage.offsite.OffsiteRepository;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * The off-site repository as exports and restores reach it: opened (and made, on first use) when
 * first asked, so that a store out of reach at startup does not stop Shelter, and opened again on
 * the next request after a failure. A request Shelter cannot serve from it is refused with 409,
 * saying why: no {@code offsite} section, or a repository that does not open (out of reach, or
 * another master key).
 */
public final class OffsiteAccess {

    private final Optional<Supplier<OffsiteRepository>> opener;
    private final int parallelFetches;
    private OffsiteRepository opened;

    private OffsiteAccess(Optional<Supplier<OffsiteRepository>> opener, int parallelFetches) {
        if (parallelFetches < 1) {
            throw new IllegalArgumentException("at least one fetch at a time, not " + parallelFetches);
        }
        this.opener = opener;
        this.parallelFetches = parallelFetches;
    }

    /** Shelter is configured without off-site copies. */
    public static OffsiteAccess none() {
        return new OffsiteAccess(Optional.empty(), 1);
    }

    public static OffsiteAccess of(Supplier<OffsiteRepository> opener, int parallelFetches) {
        return new OffsiteAccess(Optional.of(opener), parallelFetches);
    }

    /** Chunks a restore fetches at a time. */
    public int parallelFetches() {
        return parallelFetches;
    }

    /** The repository; 409 when there is none or it does not open. */
    public synchronized OffsiteRepository open() {
        if (opened != null) {
            return opened;
        }
        Supplier<OffsiteRepository> open = opener.orElseThrow(() -> new ConflictException("Shelter is configured without "
                + "off-site copies: add an 'offsite' section (docs/offsite-repository.md)"));
        try {
            opened = open.get();
        } catch (RuntimeException e) {
            throw new ConflictException("the off-site repository cannot be opened: " + e.getMessage());
        }
        return opened;
    }
}
