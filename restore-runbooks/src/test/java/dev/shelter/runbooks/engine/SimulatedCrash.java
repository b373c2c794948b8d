package dev.shelter.runbooks.engine;

/** kill -9 in a test: an Error, which the engine must let through without writing anything more. */
final class SimulatedCrash extends Error {

    SimulatedCrash(String where) {
        super("simulated crash in " + where);
    }
}
