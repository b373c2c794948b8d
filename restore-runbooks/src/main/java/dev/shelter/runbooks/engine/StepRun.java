package dev.shelter.runbooks.engine;

/** What {@link Step#execute} may do with its run while it acts. */
public interface StepRun {

    /** The run's facts as of now, including those recorded earlier in this step. */
    Facts facts();

    /**
     * Adds or replaces a fact and persists the journal before returning, so that recovery after a
     * crash knows about an effect the step is about to make (record the name, then create the thing).
     * Refused with {@link RunCancelledException} once this attempt is over (it timed out).
     */
    void record(String key, String value);

    /** Reports progress; persisted at most about once a second, except the final value (done >= total). */
    void progress(long done, long total, String unit);

    /** Throws {@link RunCancelledException} if the run was cancelled or this attempt was abandoned. */
    void checkCancelled();
}
