package dev.shelter.runbooks.catalog;

import java.time.Clock;

/** The leases contract against local mode's leases, on the system clock. */
class InMemoryLeasesTest extends LeasesContract {

    private final InMemoryLeases leases = new InMemoryLeases(Clock.systemUTC());

    @Override
    protected Leases leases() {
        return leases;
    }
}
